"""Culling on the real node: idle notebooks are warned, then stopped, and keep their files; use of any
kind keeps a notebook running; Keep running postpones within its bound; only the owner may ask.

The controller probes every 2 seconds (`--probe-interval=2`); the templates cull after 30 seconds idle.
Alice launches and keeps running through her own Jupyter Server's extension, as the panel does.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from devcluster.install import real_node_template
from devcluster.jupyter import JupyterServer
from jupyter_nbctl.models import GROUP, VERSION
from tests.conftest import GATEWAY_ARGS
from tests.controller.helpers import condition, events_for, get_notebook, wait_phase, wait_status
from tests.eventually import eventually
from tests.node.jupyter import NotebookClient, Refused, extension_api, open_notebook

IDLE = {"idleAfter": "30s", "warnBefore": "15s", "keepAlive": "20s"}
CAPPED = {"idleAfter": "30s", "warnBefore": "15s", "maxRunning": "100s"}
# A shell spinning in its own session: no kernel, no terminal once that is closed, only the CPU says it
# works (the template's 200m limit holds it there, above the 50m threshold).
SPIN = "setsid nohup sh -c 'while :; do :; done' >/dev/null 2>&1 </dev/null &"


@pytest.fixture
def culling_controller(controller: ControllerProcess) -> Iterator[ControllerProcess]:
    controller.args = [*GATEWAY_ARGS, "--probe-interval=2"]
    controller.restart()
    yield controller
    controller.args = []
    controller.restart()


def _template(cluster: Cluster, namespace: str, name: str, culling: dict[str, Any]) -> None:
    template = real_node_template(cluster.built_images["notebook"].ref, name=name, namespace=namespace)
    template["spec"]["culling"] = culling
    template["spec"]["resources"]["cpu"]["default"] = "200m"
    cluster.kubectl(
        "apply", "--server-side", "--field-manager=nbctl-install", "-f", "-", input=json.dumps(template)
    )


def _launch(server: JupyterServer, name: str, template: str) -> None:
    extension_api(server, "POST", "/notebooks", {"name": name, "template": {"name": template}})


def _serving(server: JupyterServer, name: str) -> NotebookClient:
    client = open_notebook(server, name, timeout=180)
    eventually(lambda: client.status().status_code, lambda code: code == 200, what="api/status to answer")
    return client


def _culling(server: JupyterServer, name: str) -> dict[str, Any]:
    return extension_api(server, "GET", f"/notebooks/{name}").get("culling") or {}


def _reasons(admin: Kube, namespace: str, name: str) -> list[str]:
    return [reason for reason, _ in events_for(admin, namespace, name)]


def _told(admin: Kube, namespace: str, name: str, reason: str) -> list[str]:
    """The notebook's Event reasons once `reason` is among them: an Event follows the status it tells of."""
    return eventually(
        lambda: _reasons(admin, namespace, name), lambda reasons: reason in reasons, timeout=10, what=reason
    )


def _epoch(stamp: str) -> float:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()


def test_an_idle_notebook_is_warned_kept_running_by_its_owner_only_then_stopped_and_keeps_its_files(
    cluster: Cluster,
    admin: Kube,
    alice: Kube,
    bob: Kube,
    culling_controller: ControllerProcess,
    lab_namespace: str,
    alices_server: JupyterServer,
    bobs_server: JupyterServer,
) -> None:
    _template(cluster, lab_namespace, "culled", IDLE)
    _launch(alices_server, "quiet", "culled")
    client = _serving(alices_server, "quiet")
    client.put_file("results.txt", "a day's work\n")
    active = eventually(
        lambda: _culling(alices_server, "quiet"), lambda c: c.get("state") == "Active", what="culling Active"
    )
    assert "stops after 30 seconds idle" in active["message"] and active["keepAlive"] == "20s"

    # Idle: a warning first, in the status, an Event and the extension's view
    warned = eventually(
        lambda: _culling(alices_server, "quiet"),
        lambda c: c.get("state") == "Warning",
        timeout=60,
        what="an idle warning",
    )
    assert warned["reason"] == "IdleWarning" and warned["stopAt"], warned
    _told(admin, lab_namespace, "quiet", "IdleWarning")
    # And inside the notebook, its own JupyterLab is told the same at the next probe
    inside = eventually(
        lambda: client.session.get(f"{client.base}nbctl/api/self", timeout=10).json(),
        lambda view: (view.get("culling") or {}).get("state") == "Warning",
        timeout=20,
        interval=2,  # a request every quarter second is CPU enough to count as use
        what="the notebook's own server to see the warning",
    )
    assert inside["inside"] is True and inside["culling"]["stopAt"] == warned["stopAt"], inside

    # Bob can neither postpone nor bring on the stop of alice's notebook
    with pytest.raises(Refused) as refused:
        extension_api(bobs_server, "POST", "/notebooks/quiet/keep-running")
    assert refused.value.status == 403
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for patch in ({"spec": {"keepRunningUntil": later}}, {"spec": {"stopped": True}}):
        with pytest.raises(Exception, match=r"[Ff]orbidden"):
            bob.custom.patch_namespaced_custom_object(
                GROUP, VERSION, lab_namespace, "notebooks", "quiet", patch
            )
    with pytest.raises(Exception, match=r"[Ff]orbidden"):
        bob.custom.patch_namespaced_custom_object_status(
            GROUP, VERSION, lab_namespace, "notebooks", "quiet", {"status": {"culling": {"keptUntil": later}}}
        )

    # Alice keeps it running; asking for ten hours gets the template's 20 seconds
    extension_api(alices_server, "POST", "/notebooks/quiet/keep-running")
    alice_asks = time.time()
    kept = eventually(
        lambda: _culling(alices_server, "quiet"),
        lambda c: c.get("state") == "Active" and c.get("keptUntil"),
        timeout=20,
        what="Keep running honoured",
    )
    _told(admin, lab_namespace, "quiet", "KeptRunning")
    time.sleep(2)  # so that the bound's answer to the next request is a later second than this one
    alice.custom.patch_namespaced_custom_object(
        GROUP, VERSION, lab_namespace, "notebooks", "quiet", {"spec": {"keepRunningUntil": later}}
    )
    bounded = eventually(
        lambda: _culling(alices_server, "quiet"),
        lambda c: c.get("keptUntil") and c["keptUntil"] != kept["keptUntil"],
        timeout=20,
        what="the second Keep running answered",
    )
    assert _epoch(bounded["keptUntil"]) <= time.time() + 20 + 2, bounded  # the bound holds, not ten hours

    # Then stopped: not before the kept time, with its reason, and an Event that says why
    stopped = wait_status(
        admin,
        lab_namespace,
        "quiet",
        lambda s: s.get("phase") == "Stopped",
        "culled",
        timeout=90,
    )
    culled = condition(stopped, "Culling")
    assert culled["reason"] == "StoppedIdle" and "after 30 seconds idle" in culled["message"], culled
    # (the condition's lastTransitionTime is the warning's: True since then, as Kubernetes keeps it)
    stopped_at = _epoch(stopped["culling"]["stopAt"])
    assert stopped_at >= _epoch(bounded["keptUntil"]) - 1 and stopped_at >= alice_asks + 15, stopped
    assert get_notebook(admin, lab_namespace, "quiet")["spec"]["stopped"] is True
    _told(admin, lab_namespace, "quiet", "StoppedIdle")
    assert _culling(alices_server, "quiet")["state"] == "Stopped"

    # Start brings it back as it was: the file is there
    extension_api(alices_server, "POST", "/notebooks/quiet/start")
    client = _serving(alices_server, "quiet")
    assert client.get_file("results.txt").json()["content"] == "a day's work\n"
    view = extension_api(alices_server, "GET", "/notebooks/quiet")
    assert (view.get("culling") or {}).get("state") in (None, "Active"), view


def _freeze_jupyter(cluster: Cluster, namespace: str, name: str, signal: str) -> None:
    # Every process but this one whose command line names jupyter: the server stops answering, its
    # port still accepts (the kernel's backlog), so the pod stays ready.
    code = (
        "import os, signal\n"
        "for p in os.listdir('/proc'):\n"
        "    if p.isdigit() and int(p) != os.getpid():\n"
        "        try: line = open(f'/proc/{p}/cmdline', 'rb').read()\n"
        "        except OSError: continue\n"
        f"        if b'jupyter' in line: os.kill(int(p), signal.{signal})\n"
    )
    cluster.kubectl("exec", "-n", namespace, f"{name}-0", "-c", "main", "--", "python3", "-c", code)


def test_a_busy_kernel_a_terminal_at_work_and_cpu_keep_notebooks_running_a_maximum_stops_them_and_a_silent_server_is_not_culled(  # noqa: E501
    cluster: Cluster,
    admin: Kube,
    culling_controller: ControllerProcess,
    lab_namespace: str,
    alices_server: JupyterServer,
) -> None:
    _template(cluster, lab_namespace, "culled", IDLE)
    _template(cluster, lab_namespace, "capped", CAPPED)
    names = {"busy": "capped", "term": "culled", "cpu": "culled", "silent": "culled"}
    for name, template in names.items():
        _launch(alices_server, name, template)
    clients = {name: _serving(alices_server, name) for name in names}

    busy = clients["busy"]
    busy.submit(busy.start_kernel(), "import time\ntime.sleep(3600)")  # busy, and prints nothing
    terminal = clients["term"].terminal("while true; do date; sleep 3; done")
    cpu_terminal = clients["cpu"].terminal(SPIN)
    time.sleep(2)
    cpu_terminal.close()
    name = clients["cpu"].session.get(f"{clients['cpu'].base}api/terminals", timeout=10).json()[0]["name"]
    clients["cpu"].session.delete(
        f"{clients['cpu'].base}api/terminals/{name}", headers=clients["cpu"]._xsrf(), timeout=10
    ).raise_for_status()
    _freeze_jupyter(cluster, lab_namespace, "silent", "SIGSTOP")
    unknown = wait_status(
        admin,
        lab_namespace,
        "silent",
        lambda s: condition(s, "Culling").get("status") == "Unknown",
        "activity unknown",
        timeout=60,
    )
    assert "never stopped for idleness" in condition(unknown, "Culling")["message"]

    try:
        # Well past the idle time, none of them is warned or stopped for idleness
        time.sleep(45)
        for name in ("term", "cpu", "silent"):
            status = get_notebook(admin, lab_namespace, name)["status"]
            assert status["phase"] == "Running", (name, status)
            reasons = _reasons(admin, lab_namespace, name)
            assert "IdleWarning" not in reasons and "StoppedIdle" not in reasons, (name, reasons)
        silent = get_notebook(admin, lab_namespace, "silent")["status"]
        assert condition(silent, "Culling")["status"] == "Unknown"

        # The busy one runs until the template's maximum, then stops with that reason
        stopped = wait_phase(admin, lab_namespace, "busy", "Stopped", timeout=120)
        capped = condition(stopped, "Culling")
        assert capped["reason"] == "StoppedMaxRunning", capped
        assert "after 1 minute 40 seconds running (the template's maximum)" in capped["message"], capped
        reasons = _told(admin, lab_namespace, "busy", "StoppedMaxRunning")
        assert "MaxRunningWarning" in reasons and "IdleWarning" not in reasons, reasons
    finally:
        terminal.close()
        _freeze_jupyter(cluster, lab_namespace, "silent", "SIGCONT")
