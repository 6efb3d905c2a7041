"""Routes: Kubeflow's path, and a header that a mutating policy adds survives.

Istio's VirtualService keeps `spec.http` as an atomic list, so a server-side
apply of it replaces the whole list. The controller applies the route only
when its own intent changes (a hash of what it means, stamped on the object),
so reconciles and restarts never touch it and the header stays.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from devcluster.install import install_istio_virtualservice_crd
from tests.controller.helpers import (
    create,
    mutating_policy,
    notebook,
    patch_notebook,
    running_pod,
    template,
    wait_for_policy,
)
from tests.eventually import eventually


@pytest.fixture
def istio_controller(controller: ControllerProcess) -> Iterator[ControllerProcess]:
    install_istio_virtualservice_crd(controller.cluster)
    controller.args = ["--routing=istio", "--istio-gateway=kubeflow/kubeflow-gateway"]
    controller.restart()
    yield controller
    controller.args = []
    controller.restart()


def _header_policy(namespace: str) -> list[dict]:
    expression = (
        '[JSONPatch{op: "add", path: "/spec/http/0/headers", '
        'value: {"request": {"set": {"x-team": "data"}}}}]'
    )
    name = f"route-header-{namespace}"
    rule = {
        "apiGroups": ["networking.istio.io"],
        "apiVersions": ["*"],
        "operations": ["CREATE"],
        "resources": ["virtualservices"],
    }
    mutation = {"patchType": "JSONPatch", "jsonPatch": {"expression": expression}}
    return mutating_policy(name, namespace, rule, mutation)


def _wait_for_policy(cluster, namespace: str) -> None:
    probe = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "probe", "namespace": namespace},
        "spec": {"hosts": ["*"], "http": [{"route": [{"destination": {"host": "x"}}]}]},
    }
    wait_for_policy(cluster, probe, lambda vs: "headers" in vs["spec"]["http"][0])


def _route(kube: Kube, namespace: str) -> dict:
    return kube.custom.get_namespaced_custom_object(
        "networking.istio.io", "v1", namespace, "virtualservices", f"notebook-{namespace}-nb"
    )


def test_a_header_added_by_a_policy_survives_reconciles_and_restarts(
    admin: Kube, istio_controller: ControllerProcess, namespace: str
) -> None:
    cluster = istio_controller.cluster
    for doc in _header_policy(namespace):
        cluster.kubectl("apply", "-f", "-", input=json.dumps(doc))
    try:
        _wait_for_policy(cluster, namespace)
        create(admin, namespace, template("lab"), notebook("nb", "lab"))
        running_pod(admin, namespace, "nb")
        route = eventually(lambda: _route(admin, namespace), what="the VirtualService")

        # The route is Kubeflow's, and the policy's header is on it
        http = route["spec"]["http"][0]
        assert http["match"] == [{"uri": {"prefix": f"/notebook/{namespace}/nb/"}}]
        assert http["route"][0]["destination"] == {
            "host": f"nb.{namespace}.svc.cluster.local",
            "port": {"number": 80},
        }
        assert route["spec"]["gateways"] == ["kubeflow/kubeflow-gateway"]
        assert http["headers"] == {"request": {"set": {"x-team": "data"}}}

        # When the notebook is reconciled ten times and the controller restarts
        for index in range(10):
            patch_notebook(admin, namespace, "nb", {"metadata": {"labels": {"touch": str(index)}}})
        istio_controller.restart()
        istio_controller.settled()

        # Then the route was not written again, and the header is still there
        after = _route(admin, namespace)
        assert after["metadata"]["resourceVersion"] == route["metadata"]["resourceVersion"]
        assert after["spec"]["http"][0]["headers"] == {"request": {"set": {"x-team": "data"}}}
    finally:
        cluster.kubectl(
            "delete",
            "mutatingadmissionpolicybinding,mutatingadmissionpolicy",
            f"route-header-{namespace}",
            check=False,
        )
