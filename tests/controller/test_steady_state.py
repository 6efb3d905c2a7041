"""A settled controller is calm: no writes at steady state, not even after a restart.

Kubeflow's controller rewrote every StatefulSet and status on every pass;
this one compares hashes of its own intent and writes only what changed.
"""

from __future__ import annotations

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import create, notebook, template
from tests.eventually import eventually

OURS = {
    "notebooks",
    "templaterevisions",
    "statefulsets",
    "services",
    "secrets",
    "configmaps",
    "events",
    "pods",
}
COUNT = 50


def _all_running(admin: Kube, namespace: str) -> list[dict]:
    items = admin.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks")["items"]
    return [nb for nb in items if (nb.get("status") or {}).get("phase") == "Running"]


def test_fifty_running_notebooks_cost_no_writes_after_a_controller_restart(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # Given fifty running notebooks
    create(
        admin,
        namespace,
        template("lab", resources={"cpu": {"default": "100m"}, "memory": {"default": "128Mi"}}),
    )
    for index in range(COUNT):
        create(admin, namespace, notebook(f"nb-{index}", "lab"))
    eventually(
        lambda: _all_running(admin, namespace),
        lambda ready: len(ready) == COUNT,
        timeout=180,
        what=f"{COUNT} notebooks to run",
    )
    pods = {p.metadata.name: p.metadata.uid for p in admin.core.list_namespaced_pod(namespace).items}

    # When the controller restarts and settles
    controller.stop()
    before = len(controller.cluster.controller_writes())
    assert before >= 2 * COUNT, "the audit log records the controller's writes (its StatefulSets, at least)"
    controller.start()
    reconciles, writes = controller.settled(at_least=COUNT)

    # Then it wrote nothing at all: the API server's audit log of its identity says so
    made = [f"{w['verb']} {w['requestURI']}" for w in controller.cluster.controller_writes()[before:]]
    assert made == []
    assert writes == 0
    assert reconciles >= COUNT
    # And kopf left nothing of its own on the Notebooks
    for nb in admin.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks")["items"]:
        assert not [a for a in (nb["metadata"].get("annotations") or {}) if "kopf" in a]
        assert not nb["metadata"].get("finalizers")
    # And no pod was replaced
    assert {p.metadata.name: p.metadata.uid for p in admin.core.list_namespaced_pod(namespace).items} == pods
