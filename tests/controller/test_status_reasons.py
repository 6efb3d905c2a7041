"""When a notebook is not running, its status says why, in words a person can act on."""

from __future__ import annotations

from devcluster.clients import Kube
from devcluster.cluster import UNPULLABLE_IMAGE
from devcluster.controller import ControllerProcess
from tests.controller.helpers import condition, create, events_for, notebook, template, wait_status
from tests.eventually import eventually


def test_an_image_that_cannot_be_pulled_fails_the_notebook_with_the_reason(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("broken", image=UNPULLABLE_IMAGE), notebook("nb", "broken"))

    status = wait_status(admin, namespace, "nb", lambda s: s.get("phase") == "Failed", "phase Failed")

    ready = condition(status, "Ready")
    assert ready["reason"] == "ImagePullBackOff"
    assert f"The image {UNPULLABLE_IMAGE} of container main cannot be pulled" in ready["message"]
    eventually(
        lambda: events_for(admin, namespace, "nb"),
        lambda evs: any(r == "ImagePullBackOff" for r, _ in evs),
        what="an ImagePullBackOff event on the notebook",
    )


def test_a_notebook_too_big_for_any_node_is_pending_with_the_schedulers_words(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    big = template("big", resources={"cpu": {"default": "1000"}, "memory": {"default": "1Gi"}})
    create(admin, namespace, big, notebook("nb", "big"))

    status = wait_status(
        admin,
        namespace,
        "nb",
        lambda s: condition(s, "Ready").get("reason") == "Unschedulable",
        "Unschedulable",
    )

    assert status["phase"] == "Pending"
    assert "Insufficient cpu" in condition(status, "Ready")["message"]
