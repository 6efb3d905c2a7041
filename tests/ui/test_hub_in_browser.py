"""The panel from a JupyterHub session: a real hub, two users, a real browser.

JupyterHub (from PyPI) with configurable-http-proxy (from npm) logs alice and
bob in with the DummyAuthenticator and spawns each a local JupyterLab with
jupyter-nbctl (devcluster/hub.py). Each server holds its own credential
(alice-server, bob-server), which may impersonate its one user only; the hub
holds none. In Chromium, alice sees her notebook and launches another, bob
sees only his; the cluster says the launched notebook is alice's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from devcluster.hub import PASSWORD, Hub
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import create, notebook, template
from tests.extension.conftest import bind_users
from tests.ui.playwright import needs_chromium, run_playwright


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
    needs_chromium()
    bind_users(cluster, namespace)
    create(admin, namespace, template("lab"))
    create(alice, namespace, notebook("alices", "lab"))
    create(bob, namespace, notebook("bobs", "lab"))

    with Hub(cluster, namespace, "http://127.0.0.1:1", tmp_path / "hub") as hub:
        try:
            run_playwright(
                "ui-tests/playwright.hub.config.ts",
                tmp_path,
                {"HUB_URL": hub.url, "HUB_PASSWORD": PASSWORD},
                780,
            )
        except pytest.fail.Exception as failed:
            pytest.fail(f"{failed}\n--- hub log ---\n{hub.log_path.read_text()[-4000:]}")

    # The notebook alice launched from the hub is hers: the API server saw alice, not the hub or its server.
    made = admin.custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", "from-hub")
    assert made["spec"]["owner"] == "alice"
