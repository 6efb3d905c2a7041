"""The local control plane behaves like a real cluster.

Scenarios: pods are scheduled onto fake nodes and run with an IP; a pod too big
for any node stays Pending with the scheduler's reason; deleting a StatefulSet
takes its pod with it; RBAC really refuses what it does not grant.
"""

from __future__ import annotations

import ipaddress
import json

import pytest
from kubernetes.client import ApiException

from devcluster.clients import Kube
from devcluster.cluster import POD_CIDR, Cluster
from tests.eventually import eventually


def _statefulset(name: str, cpu: str = "100m") -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "serviceName": name,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": "example/notebook:1",
                            "resources": {"requests": {"cpu": cpu}},
                        }
                    ]
                },
            },
        },
    }


def test_a_statefulsets_pod_is_scheduled_onto_a_fake_node_and_runs_with_an_ip(
    admin: Kube, namespace: str
) -> None:
    # Given a StatefulSet of one replica
    admin.apps.create_namespaced_stateful_set(namespace, _statefulset("web"))

    # When the controllers, the scheduler and kwok have done their work
    pod = eventually(
        lambda: admin.core.read_namespaced_pod("web-0", namespace),
        lambda p: p.status.phase == "Running" and bool(p.status.pod_ip),
        what="pod web-0 to be Running with an IP",
    )

    # Then the pod runs on a fake node, ready, with an address from the pod range
    assert pod.spec.node_name.startswith("kwok-node-")
    assert ipaddress.ip_address(pod.status.pod_ip) in ipaddress.ip_network(POD_CIDR)
    ready = {c.type: c.status for c in pod.status.conditions}
    assert ready["Ready"] == "True"


def test_a_pod_bigger_than_any_node_stays_pending_with_the_schedulers_reason(
    admin: Kube, namespace: str
) -> None:
    admin.apps.create_namespaced_stateful_set(namespace, _statefulset("huge", cpu="100000"))

    pod = eventually(
        lambda: admin.core.read_namespaced_pod("huge-0", namespace),
        lambda p: any(
            c.type == "PodScheduled" and c.reason == "Unschedulable" for c in p.status.conditions or []
        ),
        what="the scheduler to refuse pod huge-0",
    )

    assert pod.status.phase == "Pending"
    assert pod.spec.node_name is None
    message = next(c.message for c in pod.status.conditions if c.type == "PodScheduled")
    assert "Insufficient cpu" in message


def test_deleting_a_statefulset_removes_its_pod(admin: Kube, namespace: str) -> None:
    admin.apps.create_namespaced_stateful_set(namespace, _statefulset("gone"))
    eventually(
        lambda: admin.core.read_namespaced_pod("gone-0", namespace).status.phase,
        lambda phase: phase == "Running",
        what="pod gone-0 to run",
    )

    # The default propagation is background: the garbage collector takes the pod.
    admin.apps.delete_namespaced_stateful_set("gone", namespace)

    eventually(
        lambda: admin.core.list_namespaced_pod(namespace, label_selector="app=gone").items,
        lambda pods: pods == [],
        what="the garbage collector and kwok to remove pod gone-0",
    )


@pytest.mark.parametrize(
    ("action", "call"),
    [
        ("list pods", lambda kube, ns: kube.core.list_namespaced_pod(ns)),
        (
            "create a StatefulSet",
            lambda kube, ns: kube.apps.create_namespaced_stateful_set(ns, _statefulset("x")),
        ),
        ("list secrets", lambda kube, ns: kube.core.list_namespaced_secret(ns)),
        ("list nodes", lambda kube, ns: kube.core.list_node()),
    ],
)
def test_alice_is_refused_what_rbac_does_not_grant_her(alice: Kube, namespace: str, action, call) -> None:
    with pytest.raises(ApiException) as refused:
        call(alice, namespace)

    assert refused.value.status == 403, action
    assert 'User "alice" cannot' in json.loads(refused.value.body)["message"]


def test_the_identities_are_who_their_tokens_say(cluster: Cluster) -> None:
    for user, expected in [("admin", "admin"), ("alice", "alice"), ("bob", "bob")]:
        out = cluster.kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.username}", user=user)
        assert out.stdout == expected
    groups = cluster.kubectl("auth", "whoami", "-o", "jsonpath={.status.userInfo.groups}", user="alice")
    assert "nbctl-users" in groups.stdout


def test_both_admission_policy_apis_are_served(cluster: Cluster) -> None:
    resources = cluster.kubectl("api-resources", "--api-group=admissionregistration.k8s.io", "-o", "name")
    names = resources.stdout.split()
    assert "mutatingadmissionpolicies.admissionregistration.k8s.io" in names
    assert "validatingadmissionpolicies.admissionregistration.k8s.io" in names
