"""A schema-driven fuzz run over the OpenAPI document finds no server error.

Schemathesis (the field's standard for fuzzing from an OpenAPI document)
sends generated requests, valid and invalid, to a real Jupyter Server acting
as alice against the real cluster; every answer must be below 500. The logs
route is left out: here no kubelet serves logs, so a running notebook's logs
are, correctly, a 502 (test_notebooks_api covers that route's answers).

A second, stateful run follows the document's links from a launch to the
notebook's own operations, with launch and resize bodies kept to what the
namespace can run, and must reach every success path a user has.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from devcluster.cluster import REPO, Cluster
from devcluster.controller import ControllerProcess
from devcluster.jupyter import JupyterServer
from tests.controller.helpers import create, notebook, poddefault, template, wait_phase
from tests.extension.conftest import bind_users


def _catalog(cluster: Cluster, admin, namespace: str) -> None:
    bind_users(cluster, namespace)
    create(
        admin,
        namespace,
        poddefault("spark-defaults", ports=[{"containerPort": 4040}]),
        template("scipy", configurations=[{"name": "spark-defaults"}]),
    )


def _schemathesis(
    cluster: Cluster, namespace: str, schema: Path, tmp_path: Path, *options: str
) -> subprocess.CompletedProcess[str]:
    """One Schemathesis run against a real Jupyter Server acting as alice; asserts no 5xx."""
    schemathesis = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    assert schemathesis, "schemathesis is a test dependency"
    with JupyterServer(cluster, "alice", namespace) as server:
        run = subprocess.run(
            [
                schemathesis,
                "run",
                str(schema),
                f"--url={server.url}",
                f"--header=Authorization: token {server.token}",
                "--checks=not_a_server_error",
                "--exclude-path-regex=/logs$",
                f"--report-dir={tmp_path}",
                *options,
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )
        log = server.log_path.read_text()
    summary = run.stdout[-4000:]
    assert run.returncode == 0, f"{summary}\n{run.stderr[-2000:]}\n--- server log ---\n{log[-3000:]}"
    return run


@pytest.mark.timeout(300)
def test_schemathesis_finds_no_server_error(
    cluster: Cluster, admin, controller: ControllerProcess, namespace: str, tmp_path: Path
) -> None:
    _catalog(cluster, admin, namespace)
    _schemathesis(
        cluster,
        namespace,
        REPO / "docs" / "openapi.json",
        tmp_path,
        "--phases=examples,coverage,fuzzing",
        "--max-examples=25",
        "--max-time=45",
        "--workers=2",
        "--seed=20261126",
    )


def _narrowed(schema: dict) -> dict:
    """The API's document with the launch and resize bodies kept to what this namespace can run.

    Random template names and quantities are refused (4xx) nearly always, so the stateful phase
    would never chain a launch to a stop; here a launch names the namespace's template and asks for
    resources inside its bounds, and the links from a launch to the notebook's own operations carry
    its name.
    """
    narrowed = copy.deepcopy(schema)
    schemas = narrowed["components"]["schemas"]
    schemas["LaunchTemplate"]["properties"] = {"name": {"type": "string", "enum": ["scipy"]}}
    schemas["LaunchResources"]["properties"] = {
        "cpu": {"type": "string", "enum": ["500m", "1", "2"]},
        "memory": {"type": "string", "enum": ["1Gi", "2Gi"]},
    }
    schemas["LaunchRequest"]["properties"] = {
        key: value
        for key, value in schemas["LaunchRequest"]["properties"].items()
        if key in ("name", "template", "resources", "configurations", "updatePolicy")
    }
    schemas["LaunchRequest"]["properties"]["configurations"]["items"] = {
        "type": "string",
        "enum": ["spark-defaults"],
    }
    schemas["LaunchRequest"]["properties"]["name"]["maxLength"] = 20
    schemas["ResizeRequest"]["properties"] = {"resources": {"$ref": "#/components/schemas/LaunchResources"}}
    schemas["ResizeRequest"]["required"] = ["resources"]
    return narrowed


# What a user does to a notebook, as (method, path ending, success status) in the HAR report.
SUCCESS_PATHS = {
    "launch": ("POST", "/nbctl/api/notebooks", 201),
    "stop": ("POST", "/stop", 200),
    "start": ("POST", "/start", 200),
    "resize": ("POST", "/resize", 200),
    "delete": ("DELETE", None, 204),
}


def _exercised(har: dict) -> dict[str, int]:
    counts = dict.fromkeys(SUCCESS_PATHS, 0)
    for entry in har["log"]["entries"]:
        method, path = entry["request"]["method"], urlparse(entry["request"]["url"]).path
        for what, (verb, ending, status) in SUCCESS_PATHS.items():
            if method != verb or entry["response"]["status"] != status:
                continue
            if (ending is None and path.startswith("/nbctl/api/notebooks/")) or (
                ending and path.endswith(ending)
            ):
                counts[what] += 1
    return counts


@pytest.mark.timeout(420)
def test_the_stateful_run_launches_stops_starts_resizes_and_deletes_without_a_server_error(
    cluster: Cluster, admin, alice, controller: ControllerProcess, namespace: str, tmp_path: Path
) -> None:
    _catalog(cluster, admin, namespace)
    # The namespace holds a running notebook of alice's
    create(alice, namespace, notebook("already-running", "scipy"))
    wait_phase(admin, namespace, "already-running", "Running")
    narrowed = tmp_path / "openapi-narrowed.json"
    narrowed.write_text(json.dumps(_narrowed(json.loads((REPO / "docs" / "openapi.json").read_text()))))
    har = tmp_path / "run.har"

    run = _schemathesis(
        cluster,
        namespace,
        narrowed,
        tmp_path,
        "--phases=examples,fuzzing,stateful",
        "--max-examples=15",
        "--max-time=90",
        "--workers=1",
        "--seed=20261202",
        "--report=har",
        f"--report-har-path={har}",
    )

    assert "Stateful" in run.stdout, run.stdout[-4000:]
    exercised = _exercised(json.loads(har.read_text()))
    assert all(exercised.values()), f"not every success path was exercised: {exercised}\n{run.stdout[-4000:]}"
