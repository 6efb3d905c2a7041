"""The controller's manifests, compared whole: no cluster, no clock."""

from __future__ import annotations

import pytest
from nbctl_controller.names import APPLIED_ANNOTATION
from nbctl_controller.problems import NotebookProblem
from nbctl_controller.render import (
    Notebook,
    Routing,
    applied,
    render_pod_template,
    render_route,
    render_service,
    render_statefulset,
)
from nbctl_controller.revisions import RENDER_VERSION, build_revision

TEMPLATE = {
    "template": {
        "spec": {"containers": [{"name": "main", "image": "lab:1", "ports": [{"containerPort": 8888}]}]}
    },
    "required": [{"name": "pypi"}],
    "configurations": [{"name": "spark"}],
    "resources": {"cpu": {"default": "1", "max": "4"}, "memory": {"default": "2Gi"}, "gpu": {"max": 1}},
}
PODDEFAULTS = {
    "pypi": {
        "template": {
            "spec": {"containers": [{"name": "main", "env": [{"name": "PIP_INDEX_URL", "value": "x"}]}]}
        }
    },
    "spark": {"template": {"spec": {"containers": [{"name": "main", "ports": [{"containerPort": 4040}]}]}}},
}
NB = Notebook(
    "team-a",
    "lab",
    "uid-1",
    {"templateRef": {"name": "t"}, "configurations": ["spark"], "resources": {"cpu": "2", "gpu": 1}},
)


def _revision():
    return build_revision("admin", "t", TEMPLATE, PODDEFAULTS)


def test_a_revision_is_named_by_its_content_and_keeps_the_pieces() -> None:
    name, spec = _revision()
    assert name.startswith("t-") and len(name) == len("t-") + 10
    assert spec["renderVersion"] == RENDER_VERSION
    assert [pd["name"] for pd in spec["required"]] == ["pypi"]
    assert [pd["name"] for pd in spec["configurations"]] == ["spark"]
    assert build_revision("admin", "t", TEMPLATE, PODDEFAULTS)[0] == name
    changed = {**PODDEFAULTS, "pypi": {"template": {"spec": {"containers": [{"name": "main", "env": []}]}}}}
    assert build_revision("admin", "t", TEMPLATE, changed)[0] != name


def test_the_pod_gets_poddefaults_configurations_resources_and_prefix() -> None:
    name, spec = _revision()
    pod = render_pod_template(NB, name, spec)
    # The guard's containers and key: tests/render/test_guard.py.
    assert [c["name"] for c in pod["spec"].pop("initContainers")] == ["nbctl-lock-port", "nbctl-guard"]
    assert [v["name"] for v in pod["spec"].pop("volumes")] == ["nbctl-guard-key"]
    assert pod == {
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "lab:1",
                    "ports": [{"containerPort": 8888}, {"containerPort": 4040}],
                    "env": [
                        {"name": "PIP_INDEX_URL", "value": "x"},
                        {"name": "NB_PREFIX", "value": "/notebook/team-a/lab"},
                    ],
                    "resources": {
                        "limits": {"cpu": "2", "memory": "2Gi", "nvidia.com/gpu": "1"},
                        "requests": {"cpu": "2", "memory": "2Gi", "nvidia.com/gpu": "1"},
                    },
                }
            ]
        },
        "metadata": {
            "labels": {
                "app.kubernetes.io/managed-by": "nbctl-controller",
                "jackhoman.dev/notebook": "lab",
                "jackhoman.dev/revision": name,
            }
        },
    }


def test_the_statefulset_service_and_route_hold_only_our_fields() -> None:
    name, spec = _revision()
    pod = render_pod_template(NB, name, spec)
    sts = render_statefulset(NB, pod, 1)
    owner = {
        "apiVersion": "jackhoman.dev/v1beta1",
        "kind": "Notebook",
        "name": "lab",
        "uid": "uid-1",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    labels = {"app.kubernetes.io/managed-by": "nbctl-controller", "jackhoman.dev/notebook": "lab"}
    assert sts["metadata"]["ownerReferences"] == [owner]
    assert sts["metadata"]["labels"] == labels
    assert sts["spec"]["selector"] == {"matchLabels": labels}
    assert sts["spec"]["replicas"] == 1 and sts["spec"]["template"] == pod
    assert render_service(NB)["spec"] == {
        "type": "ClusterIP",
        "selector": labels,
        # To the guard, never to Jupyter's own port.
        "ports": [{"name": "http-lab", "port": 80, "targetPort": 4180, "protocol": "TCP"}],
    }
    assert render_route(NB, Routing()) is None
    route = render_route(NB, Routing(mode="gateway", gateway_name="gw", gateway_namespace="infra"))
    assert route["kind"] == "HTTPRoute"
    assert route["spec"] == {
        "parentRefs": [{"name": "gw", "namespace": "infra"}],
        "rules": [
            {
                "matches": [{"path": {"type": "PathPrefix", "value": "/notebook/team-a/lab/"}}],
                "backendRefs": [{"name": "lab", "port": 80}],
            }
        ],
    }


def test_the_applied_hash_is_stable_and_moves_with_content() -> None:
    name, spec = _revision()
    sts = render_statefulset(NB, render_pod_template(NB, name, spec), 1)
    first = applied(sts)["metadata"]["annotations"][APPLIED_ANNOTATION]
    assert applied(applied(sts))["metadata"]["annotations"][APPLIED_ANNOTATION] == first
    stopped = render_statefulset(NB, render_pod_template(NB, name, spec), 0)
    assert applied(stopped)["metadata"]["annotations"][APPLIED_ANNOTATION] != first


@pytest.mark.parametrize(
    ("resources", "message"),
    [
        ({"cpu": "8"}, "cpu 8 is more than the template's maximum 4"),
        ({"gpu": 2}, "gpu 2 is outside the template's range 0 to 1"),
    ],
)
def test_resources_outside_the_bounds_are_refused_by_name(resources, message) -> None:
    name, spec = _revision()
    nb = Notebook("team-a", "lab", "uid-1", {"templateRef": {"name": "t"}, "resources": resources})
    with pytest.raises(NotebookProblem) as problem:
        render_pod_template(nb, name, spec)
    assert problem.value.reason == "ResourcesOutOfBounds"
    assert message in problem.value.message


def test_route_settings_rewrite_and_set_headers_for_istio_and_the_gateway_api() -> None:
    settings = {"rewrite": "/", "requestHeaders": {"X-RStudio-Root-Path": "${NB_PREFIX}/"}}

    istio = render_route(NB, Routing(mode="istio"), settings)
    gateway = render_route(NB, Routing(mode="gateway"), settings)

    http = istio["spec"]["http"][0]
    assert http["rewrite"] == {"uri": "/"}
    assert http["headers"] == {"request": {"set": {"X-RStudio-Root-Path": "/notebook/team-a/lab/"}}}
    assert gateway["spec"]["rules"][0]["filters"] == [
        {
            "type": "URLRewrite",
            "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}},
        },
        {
            "type": "RequestHeaderModifier",
            "requestHeaderModifier": {
                "set": [{"name": "X-RStudio-Root-Path", "value": "/notebook/team-a/lab/"}]
            },
        },
    ]
    assert "filters" not in render_route(NB, Routing(mode="gateway"))["spec"]["rules"][0]


def test_route_settings_enter_the_revision_only_when_set() -> None:
    plain, _ = build_revision("admin", "t", TEMPLATE, PODDEFAULTS)
    routed, spec = build_revision("admin", "t", {**TEMPLATE, "route": {"rewrite": "/"}}, PODDEFAULTS)
    assert routed != plain
    assert spec["route"] == {"rewrite": "/"}
