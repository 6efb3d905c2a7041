"""Stop, start, resize and update: the notebook changes only when its owner acts.

A Template edit never reaches a running pod; it shows as an available update,
taken at the next stop or start under Auto, and only on request under Manual.
"""

from __future__ import annotations

from typing import Any

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from tests.controller.helpers import (
    condition,
    create,
    notebook,
    patch_notebook,
    patch_template,
    running_pod,
    template,
    wait_phase,
    wait_status,
)
from tests.eventually import eventually

NEW_IMAGE = {"spec": {"template": {"spec": {"containers": [{"name": "main", "image": "example/lab:2"}]}}}}


def _with_an_update(admin: Kube, namespace: str, policy: str) -> tuple[str, str]:
    """A running notebook `nb` of `policy` whose Template then moved on: (its revision, the newest)."""
    create(admin, namespace, template("lab"), notebook("nb", "lab", updatePolicy=policy))
    first = wait_phase(admin, namespace, "nb", "Running")["currentRevision"]
    patch_template(admin, namespace, "lab", NEW_IMAGE)
    latest = wait_status(admin, namespace, "nb", lambda s: s.get("updateAvailable"), "an update")[
        "latestRevision"
    ]
    return first, latest


def _updated(admin: Kube, namespace: str, latest: str, before: Any) -> Any:
    """Ask for `latest`; the status says it is taken, and the pod restarts on it."""
    patch_notebook(admin, namespace, "nb", {"spec": {"revision": latest}})
    status = wait_status(admin, namespace, "nb", lambda s: s.get("currentRevision") == latest, "the update")
    assert status["updateAvailable"] is False
    return eventually(
        lambda: running_pod(admin, namespace, "nb"),
        lambda p: p.metadata.uid != before.metadata.uid,
        what="the pod to restart on the new revision",
    )


def _gone(kube: Kube, namespace: str, pod: str) -> bool:
    return pod not in [p.metadata.name for p in kube.core.list_namespaced_pod(namespace).items]


def test_stop_scales_to_zero_and_start_brings_it_back(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("lab"), notebook("nb", "lab"))
    running_pod(admin, namespace, "nb")

    patch_notebook(admin, namespace, "nb", {"spec": {"stopped": True}})

    status = wait_phase(admin, namespace, "nb", "Stopped")
    assert admin.apps.read_namespaced_stateful_set("nb", namespace).spec.replicas == 0
    assert _gone(admin, namespace, "nb-0")
    assert condition(status, "Ready")["reason"] == "Stopped"

    patch_notebook(admin, namespace, "nb", {"spec": {"stopped": False}})

    wait_phase(admin, namespace, "nb", "Running")


def test_a_resize_restarts_the_pod_with_the_new_resources(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("lab"), notebook("nb", "lab", resources={"cpu": "1", "memory": "1Gi"}))
    before = running_pod(admin, namespace, "nb")

    patch_notebook(admin, namespace, "nb", {"spec": {"resources": {"cpu": "2", "memory": "4Gi"}}})

    after = eventually(
        lambda: running_pod(admin, namespace, "nb"),
        lambda p: p.metadata.uid != before.metadata.uid,
        what="a new pod",
    )
    assert after.spec.containers[0].resources.requests == {"cpu": "2", "memory": "4Gi"}
    wait_phase(admin, namespace, "nb", "Running")


def test_a_resize_outside_the_bounds_is_refused_and_the_pod_keeps_running(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("lab"), notebook("nb", "lab"))
    before = running_pod(admin, namespace, "nb")

    patch_notebook(admin, namespace, "nb", {"spec": {"resources": {"cpu": "64"}}})

    status = wait_status(
        admin,
        namespace,
        "nb",
        lambda s: condition(s, "TemplateResolved").get("status") == "False",
        "a refusal",
    )
    assert condition(status, "TemplateResolved")["reason"] == "ResourcesOutOfBounds"
    assert "cpu 64 is more than the template's maximum 8" in condition(status, "TemplateResolved")["message"]
    assert running_pod(admin, namespace, "nb").metadata.uid == before.metadata.uid


def test_a_template_edit_never_touches_a_running_notebook_and_auto_takes_it_at_restart(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("lab"), notebook("nb", "lab", updatePolicy="Auto"))
    before = running_pod(admin, namespace, "nb")
    first = wait_phase(admin, namespace, "nb", "Running")["currentRevision"]

    # When the admin edits the Template while the notebook runs
    patch_template(admin, namespace, "lab", NEW_IMAGE)

    # Then the status says an update is available, and the pod is the same pod
    status = wait_status(admin, namespace, "nb", lambda s: s.get("updateAvailable") is True, "an update")
    assert status["currentRevision"] == first
    assert status["latestRevision"] != first
    assert condition(status, "UpToDate")["reason"] == "UpdateAvailable"
    assert running_pod(admin, namespace, "nb").metadata.uid == before.metadata.uid

    # When the owner stops and starts it
    patch_notebook(admin, namespace, "nb", {"spec": {"stopped": True}})
    stopped = wait_phase(admin, namespace, "nb", "Stopped")
    patch_notebook(admin, namespace, "nb", {"spec": {"stopped": False}})
    status = wait_phase(admin, namespace, "nb", "Running")

    # Then it runs the new revision, and the old one is left to the garbage collector
    assert stopped["currentRevision"] == status["latestRevision"]
    assert status["currentRevision"] == status["latestRevision"] != first
    assert status["updateAvailable"] is False
    assert running_pod(admin, namespace, "nb").spec.containers[0].image == "example/lab:2"


def test_manual_keeps_its_revision_until_the_owner_asks(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    first, latest = _with_an_update(admin, namespace, "Manual")

    # A stop and a start do not move a Manual notebook
    patch_notebook(admin, namespace, "nb", {"spec": {"stopped": True}})
    wait_phase(admin, namespace, "nb", "Stopped")
    patch_notebook(admin, namespace, "nb", {"spec": {"stopped": False}})
    assert wait_phase(admin, namespace, "nb", "Running")["currentRevision"] == first

    # The owner's request does
    _updated(admin, namespace, latest, running_pod(admin, namespace, "nb"))


def test_auto_takes_the_newest_revision_at_once_when_its_owner_asks(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # The panel's "Update to revision …" on an Auto notebook sets spec.revision, as under Manual.
    first, latest = _with_an_update(admin, namespace, "Auto")
    before = running_pod(admin, namespace, "nb")

    pod = _updated(admin, namespace, latest, before)

    assert latest != first
    assert pod.spec.containers[0].image == "example/lab:2"
