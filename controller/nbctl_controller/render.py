"""Rendering a notebook's children from its revision (pure: no client, no clock).

Each function takes the revision's spec and the notebook and returns a whole
manifest holding only the fields the controller means to own; the applier
sends it by server-side apply. `applied()` stamps a manifest with the hash of
its own content, so an unchanged intent is recognised without a request.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, Literal

from jupyter_nbctl.models import GROUP, VERSION
from jupyter_nbctl.models.bounds import OutOfBounds, Resources
from jupyter_nbctl.models.bounds import resolve_resources as _resolve
from nbctl_controller.guard import GUARD_PORT, GuardSettings, add_guard
from nbctl_controller.merge import MergeConflict, merge_pod_templates
from nbctl_controller.names import (
    APPLIED_ANNOTATION,
    INTENT_ANNOTATION,
    MANAGED_BY,
    MANAGED_BY_VALUE,
    NOTEBOOK_LABEL,
    REVISION_LABEL,
    access_secret_name,
    child_labels,
    digest,
    pod_name,
    role_name,
    route_name,
    service_name,
    statefulset_name,
    url_prefix,
)
from nbctl_controller.problems import NotebookProblem
from nbctl_controller.revisions import poddefault_source, template_source
from nbctl_controller.workspace import Workspace, pod_volumes

DEFAULT_PORT = 8888
SERVICE_PORT = 80


@dataclass(frozen=True)
class Routing:
    """How notebooks are reached from outside: no route, Istio, or Gateway API."""

    mode: Literal["none", "istio", "gateway"] = "none"
    istio_gateway: str = "kubeflow/kubeflow-gateway"
    host: str = "*"
    gateway_name: str = "kubeflow-gateway"
    gateway_namespace: str = "kubeflow"
    cluster_domain: str = "cluster.local"


@dataclass(frozen=True)
class Notebook:
    """What rendering needs of a Notebook."""

    namespace: str
    name: str
    uid: str
    spec: dict[str, Any]


def resolve_resources(revision: dict[str, Any], spec: dict[str, Any]) -> Resources:
    """The notebook's resources within its revision's bounds, or a NotebookProblem."""
    try:
        return _resolve(revision.get("resources") or {}, spec.get("resources") or {})
    except OutOfBounds as err:
        raise NotebookProblem("ResourcesOutOfBounds", str(err)) from err


def intent(spec: dict[str, Any]) -> str:
    """The owner's wishes that restart a running notebook when they change.

    The workspace's size is not among them: a claim grows under a running pod.
    """
    wishes: dict[str, Any] = {
        "resources": spec.get("resources") or {},
        "configurations": sorted(spec.get("configurations") or []),
    }
    # Only when set, so notebooks without volumes keep the intent they had.
    if spec.get("dataVolumes"):
        wishes["dataVolumes"] = spec["dataVolumes"]
    if (spec.get("workspace") or {}).get("existingClaim"):
        wishes["existingClaim"] = spec["workspace"]["existingClaim"]
    return digest(wishes)


def render_pod_template(
    nb: Notebook,
    revision_name: str,
    revision: dict[str, Any],
    workspace: Workspace | None = None,
    guard: GuardSettings = GuardSettings(),  # noqa: B008 (frozen)
) -> dict[str, Any]:
    """The notebook's pod: Template + required PodDefaults + picked configurations + resources + volumes,
    behind the notebook's guard."""
    source = revision["template"]
    tns = source["namespace"]
    offered = {c["name"]: c for c in revision.get("configurations") or []}
    picked = list(dict.fromkeys(nb.spec.get("configurations") or []))
    unknown = [name for name in picked if name not in offered]
    if unknown:
        raise NotebookProblem(
            "ConfigurationNotOffered",
            f"{template_source(tns, source['name'])} does not offer the configuration "
            + ", ".join(unknown)
            + (f"; it offers {', '.join(sorted(offered))}" if offered else "; it offers none"),
        )
    layers = [(poddefault_source(tns, pd["name"]), pd["template"]) for pd in revision.get("required") or []]
    layers += [(poddefault_source(tns, name), offered[name]["template"]) for name in picked]
    try:
        pod = merge_pod_templates(revision["podTemplate"], template_source(tns, source["name"]), layers)
    except MergeConflict as err:
        raise NotebookProblem("PodDefaultConflict", str(err)) from err

    resources = resolve_resources(revision, nb.spec)
    main = pod["spec"]["containers"][0]
    limits = dict((main.get("resources") or {}).get("limits") or {})
    requests = dict((main.get("resources") or {}).get("requests") or {})
    for key, value in (("cpu", resources.cpu), ("memory", resources.memory)):
        requests[key] = value
        # The Template's limitFactor: the limit a multiple of the request, or none at all.
        if key in resources.limits:
            limits[key] = resources.limits[key]
        else:
            limits.pop(key, None)
    if resources.gpu:
        limits[resources.gpu_resource] = requests[resources.gpu_resource] = str(resources.gpu)
    main["resources"] = {**(main.get("resources") or {}), "limits": limits, "requests": requests}
    prefix = url_prefix(nb.namespace, nb.name).rstrip("/")
    env = [e for e in main.get("env") or [] if e.get("name") != "NB_PREFIX"]
    main["env"] = [*env, {"name": "NB_PREFIX", "value": prefix}]
    pod_volumes(workspace, nb.spec.get("dataVolumes") or [], main, pod["spec"])
    add_guard(pod, f"{nb.namespace}/{nb.name}", prefix, notebook_port(pod), guard)

    metadata = pod.setdefault("metadata", {})
    metadata["labels"] = {
        **(metadata.get("labels") or {}),
        **child_labels(nb.name),
        REVISION_LABEL: revision_name,
    }
    return pod


def notebook_port(pod_template: dict[str, Any]) -> int:
    """The first port of the notebook's container, or Jupyter's 8888."""
    ports = pod_template["spec"]["containers"][0].get("ports") or []
    return int(ports[0]["containerPort"]) if ports else DEFAULT_PORT


def owner_reference(nb: Notebook) -> dict[str, Any]:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Notebook",
        "name": nb.name,
        "uid": nb.uid,
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _metadata(nb: Notebook, name: str, **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "name": name,
        "namespace": nb.namespace,
        "labels": child_labels(nb.name),
        "ownerReferences": [owner_reference(nb)],
    }
    if annotations:
        meta["annotations"] = annotations
    return meta


def render_statefulset(nb: Notebook, pod_template: dict[str, Any], replicas: int) -> dict[str, Any]:
    name = statefulset_name(nb.name)
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": _metadata(nb, name, **{INTENT_ANNOTATION: intent(nb.spec)}),
        "spec": {
            "replicas": replicas,
            "serviceName": service_name(nb.name),
            "selector": {"matchLabels": {MANAGED_BY: MANAGED_BY_VALUE, NOTEBOOK_LABEL: nb.name}},
            "template": pod_template,
        },
    }


def render_service(nb: Notebook) -> dict[str, Any]:
    """The notebook's Service: to its guard, never to the notebook's server itself."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(nb, service_name(nb.name)),
        "spec": {
            "type": "ClusterIP",
            "selector": {MANAGED_BY: MANAGED_BY_VALUE, NOTEBOOK_LABEL: nb.name},
            "ports": [
                {"name": f"http-{nb.name}", "port": SERVICE_PORT, "targetPort": GUARD_PORT, "protocol": "TCP"}
            ],
        },
    }


def render_route(
    nb: Notebook, routing: Routing, settings: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """The route to the notebook's Service, or None when routing is off.

    `settings` are the revision's route settings: a rewrite and request headers.
    """
    prefix = url_prefix(nb.namespace, nb.name)
    settings = settings or {}
    rewrite = settings.get("rewrite") or prefix
    headers = {
        k: v.replace("${NB_PREFIX}", prefix.rstrip("/"))
        for k, v in (settings.get("requestHeaders") or {}).items()
    }
    host = f"{service_name(nb.name)}.{nb.namespace}.svc.{routing.cluster_domain}"
    if routing.mode == "istio":
        return {
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": _metadata(nb, route_name(nb.namespace, nb.name)),
            "spec": {
                "hosts": [routing.host],
                "gateways": [routing.istio_gateway],
                "http": [
                    {
                        "match": [{"uri": {"prefix": prefix}}],
                        "rewrite": {"uri": rewrite},
                        "route": [{"destination": {"host": host, "port": {"number": SERVICE_PORT}}}],
                        **({"headers": {"request": {"set": headers}}} if headers else {}),
                    }
                ],
            },
        }
    if routing.mode == "gateway":
        spec: dict[str, Any] = {
            "parentRefs": [{"name": routing.gateway_name, "namespace": routing.gateway_namespace}],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": prefix}}],
                    "backendRefs": [{"name": service_name(nb.name), "port": SERVICE_PORT}],
                    **(
                        {"filters": _gateway_filters(rewrite, prefix, headers)}
                        if rewrite != prefix or headers
                        else {}
                    ),
                }
            ],
        }
        if routing.host != "*":
            spec["hostnames"] = [routing.host]
        return {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": _metadata(nb, route_name(nb.namespace, nb.name)),
            "spec": spec,
        }
    return None


def _gateway_filters(rewrite: str, prefix: str, headers: dict[str, str]) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    if rewrite != prefix:
        filters.append(
            {
                "type": "URLRewrite",
                "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": rewrite}},
            }
        )
    if headers:
        filters.append(
            {
                "type": "RequestHeaderModifier",
                "requestHeaderModifier": {"set": [{"name": k, "value": v} for k, v in headers.items()]},
            }
        )
    return filters


def render_owner_access(
    nb: Notebook, owner: str, workspace_claim: str | None = None, pod_rules: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The owner's Role and RoleBinding: their notebook, its pod's logs, exec and port-forward, its proxy,
    and the workspace claim the controller made for it (read, and delete with the notebook).

    `pod_rules` is whether the pod of the notebook's name is the notebook's own now: a Role names
    pods by name only, and a stopped notebook's `<name>-0` could be anyone's pod. The rule on the
    notebook's key assumes the controller made that Secret; where it did not, `without_key`.
    """
    pod, svc = pod_name(nb.name), service_name(nb.name)
    port_names = [svc, f"{svc}:{SERVICE_PORT}", f"{svc}:http-{nb.name}", f"http:{svc}:{SERVICE_PORT}"]
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": _metadata(nb, role_name(nb.name)),
        "rules": [
            {
                "apiGroups": [GROUP],
                "resources": ["notebooks"],
                "resourceNames": [nb.name],
                "verbs": ["get", "update", "patch", "delete"],
            },
            {
                "apiGroups": [""],
                "resources": ["services/proxy"],
                "resourceNames": port_names,
                "verbs": ["get", "create"],
            },
        ],
    }
    # The notebook's key, for the panel's Open (nbctl_guard.tickets).
    role["rules"].insert(
        1,
        {
            "apiGroups": [""],
            "resources": ["secrets"],
            "resourceNames": [access_secret_name(nb.name)],
            "verbs": ["get"],
        },
    )
    if pod_rules:
        role["rules"][1:1] = [
            {"apiGroups": [""], "resources": ["pods", "pods/log"], "resourceNames": [pod], "verbs": ["get"]},
            {
                "apiGroups": [""],
                "resources": ["pods/exec", "pods/attach", "pods/portforward"],
                "resourceNames": [pod],
                "verbs": ["get", "create"],
            },
        ]
    if workspace_claim:
        role["rules"].append(
            {
                "apiGroups": [""],
                "resources": ["persistentvolumeclaims"],
                "resourceNames": [workspace_claim],
                "verbs": ["get", "delete"],
            }
        )
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": _metadata(nb, role_name(nb.name)),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": role_name(nb.name)},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": owner}],
    }
    return role, binding


def without_key(role: dict[str, Any]) -> dict[str, Any]:
    """The owner's Role without its rule on the notebook's key: a Secret of that name made by anyone
    but the controller is never the owner's to read."""
    return applied({**role, "rules": [r for r in role["rules"] if "secrets" not in r["resources"]]})


def applied(manifest: dict[str, Any]) -> dict[str, Any]:
    """The manifest stamped with the hash of its own content."""
    stamped = copy.deepcopy(manifest)
    annotations = stamped["metadata"].setdefault("annotations", {})
    annotations.pop(APPLIED_ANNOTATION, None)
    annotations[APPLIED_ANNOTATION] = digest(stamped)
    return stamped
