"""Bad input gets a condition and an event that name the problem, and changes nothing else."""

from __future__ import annotations

import pytest
from kubernetes.client import V1Secret

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from tests.controller.helpers import (
    condition,
    create,
    events_for,
    notebook,
    poddefault,
    running_pod,
    template,
    wait_status,
)
from tests.eventually import eventually


def _refused(kube: Kube, namespace: str, name: str) -> dict:
    return wait_status(
        kube,
        namespace,
        name,
        lambda s: condition(s, "TemplateResolved").get("status") == "False",
        "a refusal",
    )


def _nothing_made(kube: Kube, namespace: str, name: str) -> None:
    assert name not in [s.metadata.name for s in kube.apps.list_namespaced_stateful_set(namespace).items]
    assert name not in [s.metadata.name for s in kube.core.list_namespaced_service(namespace).items]


@pytest.mark.parametrize(
    ("setup", "reason", "words"),
    [
        (
            lambda ns: [notebook("nb", "missing")],
            "TemplateNotFound",
            ["Template {ns}/missing does not exist"],
        ),
        (
            lambda ns: [template("lab", required=[{"name": "absent"}]), notebook("nb", "lab")],
            "PodDefaultNotFound",
            ["requires PodDefault {ns}/absent"],
        ),
        (
            lambda ns: [
                poddefault("one", env=[{"name": "MODE", "value": "fast"}]),
                poddefault("two", env=[{"name": "MODE", "value": "slow"}]),
                template("lab", required=[{"name": "one"}, {"name": "two"}]),
                notebook("nb", "lab"),
            ],
            "PodDefaultConflict",
            ["PodDefault {ns}/two and PodDefault {ns}/one both set", "env[MODE]"],
        ),
        (
            lambda ns: [template("lab"), notebook("nb", "lab", configurations=["spark"])],
            "ConfigurationNotOffered",
            ["does not offer the configuration spark"],
        ),
    ],
    ids=["missing-template", "missing-required-poddefault", "poddefault-conflict", "unoffered-configuration"],
)
def test_bad_input_is_named_in_a_condition_and_an_event_and_nothing_is_made(
    admin: Kube, controller: ControllerProcess, namespace: str, setup, reason: str, words: list[str]
) -> None:
    # Given a healthy notebook in the same namespace
    create(admin, namespace, template("good"), notebook("fine", "good"))
    healthy = running_pod(admin, namespace, "fine")

    create(admin, namespace, *setup(namespace))

    status = _refused(admin, namespace, "nb")
    resolved = condition(status, "TemplateResolved")
    assert resolved["reason"] == reason
    for word in words:
        assert word.format(ns=namespace) in resolved["message"]
    assert status["phase"] == "Failed"
    _nothing_made(admin, namespace, "nb")
    eventually(
        lambda: events_for(admin, namespace, "nb"),
        lambda evs: any(r == reason for r, _ in evs),
        what=f"a {reason} event",
    )
    assert running_pod(admin, namespace, "fine").metadata.uid == healthy.metadata.uid


def test_a_dependency_whose_name_is_taken_is_a_conflict_and_the_owner_keeps_it(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    admin.core.create_namespaced_secret(
        namespace, V1Secret(metadata={"name": "creds"}, string_data={"k": "mine"})
    )
    source_ns = f"{namespace}-src"
    from devcluster.install import ensure_namespace

    ensure_namespace(controller.cluster, source_ns)
    admin.core.create_namespaced_secret(
        source_ns, V1Secret(metadata={"name": "creds"}, string_data={"k": "theirs"})
    )
    create(
        admin,
        source_ns,
        template(
            "lab",
            dependencies=[{"apiVersion": "v1", "kind": "Secret", "name": "creds"}],
            # Not a catalog namespace: it serves only the namespaces its selector names.
            namespaceSelector={"matchLabels": {"kubernetes.io/metadata.name": namespace}},
        ),
    )
    nb = notebook("nb", "lab")
    nb["spec"]["templateRef"]["namespace"] = source_ns
    create(admin, namespace, nb)

    status = _refused(admin, namespace, "nb")

    resolved = condition(status, "TemplateResolved")
    assert resolved["reason"] == "DependencyConflict"
    assert f"Secret {namespace}/creds already exists" in resolved["message"]
    _nothing_made(admin, namespace, "nb")
    kept = admin.core.read_namespaced_secret("creds", namespace)
    assert kept.metadata.owner_references is None
    assert kept.data == {"k": "bWluZQ=="}
    controller.cluster.kubectl("delete", "namespace", source_ns, "--wait=false")


def test_a_namespace_that_loses_a_template_keeps_its_notebook_and_is_told(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # Given a running notebook of a template that selects its namespace by label
    controller.cluster.kubectl("label", "namespace", namespace, "team=a")
    selective = template("lab", namespaceSelector={"matchLabels": {"team": "a"}})
    create(admin, namespace, selective, notebook("nb", "lab"))
    pod = running_pod(admin, namespace, "nb")

    # When the namespace no longer matches
    controller.cluster.kubectl("label", "namespace", namespace, "team=b", "--overwrite")

    # Then the notebook is told, and keeps running until it stops
    status = _refused(admin, namespace, "nb")
    assert condition(status, "TemplateResolved")["reason"] == "TemplateNotAllowed"
    assert (
        f"Template {namespace}/lab may not be used in namespace {namespace}"
        in condition(status, "TemplateResolved")["message"]
    )
    assert running_pod(admin, namespace, "nb").metadata.uid == pod.metadata.uid
