"""The panel from a JupyterHub session: a real hub, two users, a real browser.

JupyterHub (from PyPI) with configurable-http-proxy (from npm) logs alice and
bob in with the DummyAuthenticator and spawns each a local JupyterLab with
jupyter-nbctl (devcluster/hub.py). Each server holds its own credential
(alice-server, bob-server), which may impersonate its one user only; the hub
holds none. In Chromium, alice sees her notebook and launches another, bob
sees only his; the cluster says the launched notebook is alice's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from devcluster.clients import Kube
from devcluster.cluster import REPO, Cluster
from devcluster.controller import ControllerProcess
from devcluster.hub import PASSWORD, Hub
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import create, notebook, template
from tests.extension.conftest import bind_users

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


@pytest.mark.timeout(900)
def test_two_users_of_one_hub_each_see_only_their_own(
    cluster: Cluster,
    admin: Kube,
    alice: Kube,
    bob: Kube,
    controller: ControllerProcess,
    namespace: str,
    tmp_path: Path,
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is needed: make test installs it (apt-get install chromium)")
    bind_users(cluster, namespace)
    create(admin, namespace, template("lab"))
    create(alice, namespace, notebook("alices", "lab"))
    create(bob, namespace, notebook("bobs", "lab"))

    with Hub(cluster, namespace, "http://127.0.0.1:1", tmp_path / "hub") as hub:
        report = tmp_path / "playwright.log"
        with report.open("w") as out:
            try:
                run = subprocess.run(
                    ["npx", "playwright", "test", "-c", "ui-tests/playwright.hub.config.ts"],
                    cwd=REPO,
                    env={
                        **os.environ,
                        "HUB_URL": hub.url,
                        "HUB_PASSWORD": PASSWORD,
                        "CHROMIUM": CHROMIUM,
                        "CI": "1",
                        "NBCTL_UI_OUTPUT": str(tmp_path / "results"),
                    },
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=780,
                )
            except subprocess.TimeoutExpired:
                pytest.fail(f"Playwright did not finish in time:\n{report.read_text()[-9000:]}")
        hub_log = hub.log_path.read_text()
    assert run.returncode == 0, f"{report.read_text()[-9000:]}\n--- hub log ---\n{hub_log[-4000:]}"

    # The notebook alice launched from the hub is hers: the API server saw alice, not the hub or its server.
    made = admin.custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", "from-hub")
    assert made["spec"]["owner"] == "alice"
