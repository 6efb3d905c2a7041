"""Building and reading the objects of controller scenarios."""

from __future__ import annotations

from typing import Any

from devcluster.clients import Kube
from jupyter_nbctl.models import GROUP, VERSION
from tests.eventually import eventually

IMAGE = "kubeflownotebookswg/jupyter-scipy:v1.9.0"


def template(name: str, image: str = IMAGE, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "template": {
            "spec": {"containers": [{"name": "main", "image": image, "ports": [{"containerPort": 8888}]}]}
        },
        "resources": {"cpu": {"default": "1", "max": "8"}, "memory": {"default": "1Gi", "max": "32Gi"}},
        # Scratch only, unless a test is about workspaces: those have tests of their own.
        "workspace": {"enabled": False},
    }
    body.update(spec)
    return {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Template", "metadata": {"name": name}, "spec": body}


def poddefault(name: str, **container: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "PodDefault",
        "metadata": {"name": name},
        "spec": {"template": {"spec": {"containers": [{"name": "main", **container}]}}},
    }


def notebook(name: str, template_name: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Notebook",
        "metadata": {"name": name},
        "spec": {"templateRef": {"name": template_name}, **spec},
    }


def create(kube: Kube, namespace: str, *objects: dict[str, Any]) -> None:
    plurals = {"Template": "templates", "PodDefault": "poddefaults", "Notebook": "notebooks"}
    for obj in objects:
        kube.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, plurals[obj["kind"]], obj)


def get_notebook(kube: Kube, namespace: str, name: str) -> dict[str, Any]:
    return kube.custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", name)


def patch_notebook(kube: Kube, namespace: str, name: str, patch: dict[str, Any]) -> None:
    kube.custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", name, patch)


def patch_template(kube: Kube, namespace: str, name: str, patch: dict[str, Any]) -> None:
    kube.custom.patch_namespaced_custom_object(GROUP, VERSION, namespace, "templates", name, patch)


def condition(status: dict[str, Any], kind: str) -> dict[str, Any]:
    return next((c for c in status.get("conditions") or [] if c["type"] == kind), {})


def wait_status(
    kube: Kube, namespace: str, name: str, until, what: str, timeout: float = 60
) -> dict[str, Any]:
    return eventually(
        lambda: get_notebook(kube, namespace, name).get("status") or {},
        until,
        timeout=timeout,
        what=f"notebook {namespace}/{name}: {what}",
    )


def wait_phase(kube: Kube, namespace: str, name: str, phase: str, timeout: float = 60) -> dict[str, Any]:
    return wait_status(kube, namespace, name, lambda s: s.get("phase") == phase, f"phase {phase}", timeout)


def running_pod(kube: Kube, namespace: str, name: str):
    return eventually(
        lambda: kube.core.read_namespaced_pod(f"{name}-0", namespace),
        lambda p: p.status.phase == "Running" and not p.metadata.deletion_timestamp,
        what=f"pod {namespace}/{name}-0 to run",
    )


def events_for(kube: Kube, namespace: str, name: str) -> list[tuple[str, str]]:
    # Read as plain dicts: the client's Event model refuses core events with no eventTime.
    items = kube.custom.list_namespaced_custom_object("events.k8s.io", "v1", namespace, "events")["items"]
    return [
        (e.get("reason", ""), e.get("note", ""))
        for e in items
        if (e.get("regarding") or {}).get("name") == name
    ]


def wait_for_policy(cluster, probe: dict[str, Any], took_effect) -> None:
    """The API server loads new admission policies within a second or so; a dry run shows when."""
    import json

    def mutated() -> bool:
        out = cluster.kubectl("create", "--dry-run=server", "-o", "json", "-f", "-", input=json.dumps(probe))
        return bool(took_effect(json.loads(out.stdout)))

    eventually(mutated, what="the admission policy to take effect")


def mutating_policy(
    name: str, namespace: str, rule: dict[str, Any], mutation: dict[str, Any]
) -> list[dict[str, Any]]:
    """A MutatingAdmissionPolicy limited to one namespace, with its binding."""
    return [
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingAdmissionPolicy",
            "metadata": {"name": name},
            "spec": {
                "matchConstraints": {
                    "resourceRules": [rule],
                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                },
                "failurePolicy": "Fail",
                "reinvocationPolicy": "Never",
                "mutations": [mutation],
            },
        },
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingAdmissionPolicyBinding",
            "metadata": {"name": name},
            "spec": {"policyName": name},
        },
    ]
