"""A schema-driven fuzz run over the OpenAPI document finds no server error.

Schemathesis (the field's standard for fuzzing from an OpenAPI document)
sends generated requests, valid and invalid, to a real Jupyter Server acting
as alice against the real cluster; every answer must be below 500. The logs
route is left out: here no kubelet serves logs, so a running notebook's logs
are, correctly, a 502 (test_notebooks_api covers that route's answers).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from devcluster.cluster import REPO, Cluster
from devcluster.controller import ControllerProcess
from devcluster.jupyter import JupyterServer
from tests.controller.helpers import create, poddefault, template
from tests.extension.conftest import bind_users


@pytest.mark.timeout(300)
def test_schemathesis_finds_no_server_error(
    cluster: Cluster, admin, controller: ControllerProcess, namespace: str, tmp_path: Path
) -> None:
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is a test dependency"
    bind_users(cluster, namespace)
    create(
        admin,
        namespace,
        poddefault("spark-defaults", ports=[{"containerPort": 4040}]),
        template("scipy", configurations=[{"name": "spark-defaults"}]),
    )

    with JupyterServer(cluster, "alice", namespace) as server:
        run = subprocess.run(
            [
                schemathesis,
                "run",
                str(REPO / "docs" / "openapi.json"),
                f"--url={server.url}",
                f"--header=Authorization: token {server.token}",
                "--checks=not_a_server_error",
                "--phases=examples,coverage,fuzzing",
                "--max-examples=25",
                "--max-time=45",
                "--exclude-path-regex=/logs$",
                "--workers=2",
                "--seed=20261126",
                f"--report-dir={tmp_path}",
            ],
            capture_output=True,
            text=True,
            timeout=280,
            cwd=tmp_path,
        )
        log = server.log_path.read_text()

    summary = run.stdout[-4000:]
    assert run.returncode == 0, f"{summary}\n{run.stderr[-2000:]}\n--- server log ---\n{log[-3000:]}"
