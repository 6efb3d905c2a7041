"""The panel in a real browser: Galata (Playwright) in Debian's Chromium.

This test sets the stage (cluster, controller, a namespace with the seed's
template offering spark-defaults, a notebook of bob's and one of alice's
called `taken` (whose template then changes: an update is available), one
no node has room for (`stuck`), two of hers on the real node: `real`, and
`idle`, which culling warns about), starts JupyterLab as alice with Galata's settings, and runs
`ui-tests/` with Playwright. Set NBCTL_UI_SCREENSHOTS to a folder to keep the
screenshots (`make screenshots` writes docs/screenshots/).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from devcluster.clients import Kube
from devcluster.cluster import REPO, Cluster
from devcluster.controller import ControllerProcess
from devcluster.install import apply_real_node_template, real_node_template, seed_documents
from devcluster.processes import die_with_parent, free_port
from jupyter_nbctl.models import GROUP, VERSION
from tests.conftest import GATEWAY_ARGS
from tests.controller.helpers import create, notebook, running_pod, template, wait_phase
from tests.extension.conftest import bind_users
from tests.ui.playwright import needs_chromium, run_playwright


def _stage(cluster: Cluster, admin: Kube, bob: Kube, alice: Kube, namespace: str) -> None:
    bind_users(cluster, namespace)
    for doc in seed_documents():
        doc = copy.deepcopy(doc)
        if doc["kind"] == "Notebook":
            continue
        doc["metadata"]["namespace"] = namespace
        if doc["kind"] == "Template":
            doc["spec"]["configurations"] = [{"name": "spark-defaults"}]
            doc["spec"]["required"], doc["spec"]["dependencies"] = [], []
            doc["spec"]["resources"] = {"cpu": {"default": "1", "max": "4"}, "memory": {"default": "2Gi"}}
        cluster.kubectl("apply", "-f", "-", input=json.dumps(doc))
    create(bob, namespace, notebook("bobs", "jupyter-scipy"))
    create(alice, namespace, notebook("taken", "jupyter-scipy"))
    # And one on the real node, for Open.
    apply_real_node_template(cluster, namespace)
    create(alice, namespace, notebook("real", "jupyterlab"))
    # And one that culling warns about within seconds of its start, for Keep running.
    culled = real_node_template(cluster.built_images["notebook"].ref, name="culled", namespace=namespace)
    # Warned ten seconds after its start, stopped only after an hour: long after the specs end.
    culled["spec"]["culling"] = {"idleAfter": "1h", "warnBefore": "59m50s", "keepAlive": "2h"}
    culled["spec"]["resources"]["cpu"]["default"] = "200m"
    applied = json.dumps(culled)
    cluster.kubectl("apply", "--server-side", "--field-manager=nbctl-install", "-f", "-", input=applied)
    create(alice, namespace, notebook("idle", "culled"))
    # One that no node has room for: 300 CPUs, where each node has 256 at most.
    big = template("big", resources={"cpu": {"default": "300", "max": "300"}, "memory": {"default": "1Gi"}})
    create(admin, namespace, big)
    create(alice, namespace, notebook("stuck", "big"))
    running_pod(admin, namespace, "taken")
    # And taken's template moves on while it runs: an update is available to it.
    scipy = {
        "name": "main",
        "image": "kubeflownotebookswg/jupyter-scipy:v1.8.0",
        "ports": [{"containerPort": 8888}],
    }
    admin.custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        namespace,
        "templates",
        "jupyter-scipy",
        {"spec": {"template": {"spec": {"containers": [scipy]}}}},
    )
    wait_phase(admin, namespace, "real", "Running", timeout=120)
    wait_phase(admin, namespace, "idle", "Running", timeout=120)


def _only() -> list[str]:
    only = os.environ.get("NBCTL_UI_ONLY")
    return ["-g", only] if only else []


@pytest.mark.timeout(1200)
def test_the_panel_in_chromium(
    cluster: Cluster,
    admin: Kube,
    alice: Kube,
    bob: Kube,
    gateway_controller: ControllerProcess,
    namespace: str,
    tmp_path: Path,
) -> None:
    needs_chromium()
    # Probes every 2 seconds: the culled notebook's warning comes while the browser looks.
    gateway_controller.args = [*GATEWAY_ARGS, "--probe-interval=2"]
    gateway_controller.restart()
    _stage(cluster, admin, bob, alice, namespace)
    port = free_port()
    env = {
        **os.environ,
        "NBCTL_UI_PORT": str(port),
        "NBCTL_UI_KUBECONFIG": str(cluster.kubeconfig("alice")),
        "NBCTL_UI_NAMESPACE": namespace,
        "NBCTL_UI_NOTEBOOK_URL_BASE": cluster.gateway_url,
        "JUPYTERLAB_GALATA_ROOT_DIR": str(tmp_path),
    }
    log = (tmp_path / "jupyterlab.log").open("wb")
    lab = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            f"--config={REPO / 'ui-tests' / 'jupyter_server_test_config.py'}",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        cwd=tmp_path,
        preexec_fn=die_with_parent,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=5).close()
                break
            except OSError:
                assert time.monotonic() < deadline, (tmp_path / "jupyterlab.log").read_text()[-3000:]
                time.sleep(0.3)
        run_playwright(
            "ui-tests/playwright.config.ts",
            tmp_path,
            {**env, "TARGET_URL": url},
            1080,
            # NBCTL_UI_ONLY narrows the run to the specs whose title matches, while working on them.
            *_only(),
        )
    finally:
        lab.terminate()
        lab.wait(15)
