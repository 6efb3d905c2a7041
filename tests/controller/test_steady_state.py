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


def _guard_images(admin: Kube, namespace: str) -> dict[str, str]:
    return {
        p.metadata.name: next(c.image for c in p.spec.init_containers if c.name == "nbctl-guard")
        for p in admin.core.list_namespaced_pod(namespace).items
    }


def test_a_new_guard_image_restarts_no_running_notebook_and_comes_with_its_next_start(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # Given three running notebooks, their pods with the guard of today's controller
    create(admin, namespace, template("lab"))
    for name in ("a", "b", "c"):
        create(admin, namespace, notebook(name, "lab"))
    eventually(lambda: _all_running(admin, namespace), lambda ready: len(ready) == 3, what="3 running")
    pods = {p.metadata.name: p.metadata.uid for p in admin.core.list_namespaced_pod(namespace).items}
    old = _guard_images(admin, namespace)
    assert len(set(old.values())) == 1

    # When the controller is upgraded: a new guard image
    controller.stop()
    before = len(controller.cluster.controller_writes())
    upgraded = ControllerProcess(controller.cluster, args=["--guard-image=registry.local/guard:upgraded"])
    upgraded.start()
    try:
        upgraded.settled(at_least=3)
        # Then no running notebook is touched: no write, the same pods, the old guard
        made = [w for w in controller.cluster.controller_writes()[before:] if namespace in w["requestURI"]]
        assert [f"{w['verb']} {w['requestURI']}" for w in made] == []
        assert {
            p.metadata.name: p.metadata.uid for p in admin.core.list_namespaced_pod(namespace).items
        } == pods

        # And a notebook stopped and started again comes back with the new guard
        for stopped in (True, False):
            admin.custom.patch_namespaced_custom_object(
                GROUP, VERSION, namespace, "notebooks", "b", {"spec": {"stopped": stopped}}
            )
            eventually(
                lambda: [nb["metadata"]["name"] for nb in _all_running(admin, namespace)],
                lambda running, stopped=stopped: ("b" in running) != stopped,
                timeout=90,
                what=f"b {'stopped' if stopped else 'running'}",
            )
        images = eventually(
            lambda: _guard_images(admin, namespace),
            lambda seen: seen.get("b-0") == "registry.local/guard:upgraded",
            what="b's new pod with the new guard",
        )
        assert images["a-0"] == images["c-0"] == old["a-0"]
    finally:
        upgraded.stop()
        controller.start()
