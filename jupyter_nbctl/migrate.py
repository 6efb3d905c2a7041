"""`jupyter nbctl migrate`: Kubeflow (kubeflow.org/v1) Notebooks → Templates and Notebooks.

Each Kubeflow Notebook becomes a Template (its own pod template, with its
requests as the defaults and its limits as the maximums) and a Notebook of
that Template, in the same namespace. Dry-run by default: it prints the new
objects as YAML, and a report of what it could not carry, to stderr.

    jupyter nbctl migrate kubeflow-notebooks.yaml            # print
    jupyter nbctl migrate kubeflow-notebooks.yaml --apply    # create them, as you (an admin)

Each notebook keeps its Kubeflow owner: `--owner NAMESPACE=USER` (or
`--owner USER` for every namespace) if given, else the user its annotation
`notebooks.kubeflow.org/creator` names, else the owner of the namespace's
Profile when the input holds the Profiles (`kubectl get profiles -o yaml`).
A notebook whose owner is unknown is not migrated: it would otherwise
belong to whoever runs the migration.
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from jupyter_nbctl.models import API_VERSION, Notebook, Template
from jupyter_nbctl.models.notebook import MAX_NAME_LENGTH, NAME_PATTERN

STOP_ANNOTATION = "kubeflow-resource-stopped"
CREATOR_ANNOTATION = "notebooks.kubeflow.org/creator"
# The service accounts Kubeflow gives every contributor of a namespace alike: not one user's identity.
SHARED_SERVICE_ACCOUNTS = ("default", "default-editor", "default-viewer")
ROUTING_ANNOTATIONS = (
    "notebooks.kubeflow.org/http-rewrite-uri",
    "notebooks.kubeflow.org/http-headers-request-set",
)
GPU_RESOURCES = ("nvidia.com/gpu", "amd.com/gpu")
HOME = "/home/jovyan"


@dataclass
class Migration:
    """What one Kubeflow Notebook became, and what did not come along."""

    source: str
    objects: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def owner_of(kubeflow: dict[str, Any], owners: dict[str, str], profiles: dict[str, str]) -> str | None:
    """Who owns a Kubeflow notebook: the operator's word, its creator, or its namespace's Profile owner."""
    meta = kubeflow.get("metadata") or {}
    namespace = meta.get("namespace", "default")
    given = owners.get(namespace) or owners.get("")
    creator = (meta.get("annotations") or {}).get(CREATOR_ANNOTATION)
    return given or creator or profiles.get(namespace)


def convert(
    kubeflow: dict[str, Any], owners: dict[str, str] | None = None, profiles: dict[str, str] | None = None
) -> Migration:
    """Convert one kubeflow.org Notebook; never raises for a well-formed object.

    `owners` maps a namespace ("" for any) to the owner of its notebooks; `profiles` maps a namespace
    to its Kubeflow Profile's owner.
    """
    meta = kubeflow.get("metadata") or {}
    name, namespace = meta.get("name", ""), meta.get("namespace", "default")
    result = Migration(f"{namespace}/{name}")
    owner = owner_of(kubeflow, owners or {}, profiles or {})
    if not owner:
        result.notes.append(
            f"owner unknown (no {CREATOR_ANNOTATION} annotation, no Profile for {namespace}): not migrated; "
            f"pass --owner {namespace}=USER"
        )
        return result
    pod = copy.deepcopy(((kubeflow.get("spec") or {}).get("template")) or {})
    containers = (pod.get("spec") or {}).get("containers") or []
    if not containers:
        result.notes.append("has no container: nothing to migrate")
        return result
    main = containers[0]
    resources = main.pop("resources", {}) or {}
    requests, limits = resources.get("requests") or {}, resources.get("limits") or {}

    new_name = name
    if len(name) > MAX_NAME_LENGTH or not re.match(NAME_PATTERN, name):
        new_name = re.sub(r"[^a-z0-9-]", "-", name.lower()).strip("-")[:MAX_NAME_LENGTH].rstrip("-")
        new_name = new_name if re.match(NAME_PATTERN, new_name or "") else f"nb-{new_name}"[:MAX_NAME_LENGTH]
        result.notes.append(
            f"renamed to {new_name}: notebook names are at most {MAX_NAME_LENGTH} DNS-1035 characters here"
        )

    bounds: dict[str, Any] = {}
    for what, default in (("cpu", "1"), ("memory", "2Gi")):
        value = requests.get(what) or limits.get(what) or default
        bound: dict[str, Any] = {"default": str(value)}
        if limits.get(what) is not None:
            bound["max"] = str(limits[what])
        bounds[what] = bound
        if limits.get(what) is not None and requests.get(what) is not None and limits[what] != requests[what]:
            result.notes.append(
                f"{what}: requests {requests[what]} and limits {limits[what]} differ; "
                f"here both are the notebook's {what} ({value})"
            )
    gpu_name = next((g for g in GPU_RESOURCES if g in limits), None)
    gpus = int(limits[gpu_name]) if gpu_name else 0
    if gpu_name:
        bounds["gpu"] = {"default": gpus, "max": gpus, "resourceName": gpu_name}

    for key in meta.get("annotations") or {}:
        if key in ROUTING_ANNOTATIONS:
            result.notes.append(
                f"annotation {key} is not carried: routes are the controller's "
                "(--routing), and headers belong in a mutating policy on the route"
            )
    labels = {
        k: v for k, v in (meta.get("labels") or {}).items() if not k.startswith(("app", "notebook-name"))
    }
    if labels:
        result.notes.append(
            "labels " + ", ".join(sorted(labels)) + " may have selected Kubeflow PodDefaults; "
            "list the matching PodDefaults in the Template's `required` instead"
        )
    workspace, data_volumes = _claims(pod, main, result)
    account = (pod.get("spec") or {}).get("serviceAccountName")
    if account and account not in SHARED_SERVICE_ACCOUNTS:
        del pod["spec"]["serviceAccountName"]
        result.notes.append(
            f"serviceAccountName {account} is not carried: a Template serves everyone its namespace "
            "serves, and that identity was the notebook's own; give it back through a PodDefault that "
            "only its owner's notebooks require"
        )

    template = {
        "apiVersion": API_VERSION,
        "kind": "Template",
        "metadata": {
            "name": f"kf-{new_name}"[:253],
            "namespace": namespace,
            "labels": {"jackhoman.dev/migrated-from": "kubeflow"},
        },
        "spec": {
            "displayName": f"{name} (from Kubeflow)",
            "description": f"Migrated from the Kubeflow notebook {namespace}/{name}.",
            "template": {
                "spec": pod.get("spec") or {},
                **({"metadata": pod["metadata"]} if pod.get("metadata") else {}),
            },
            "resources": bounds,
            "workspace": {"mountPath": workspace[1]} if workspace else {"enabled": False},
            # Its own namespace only, whatever the controller's catalog namespaces are.
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
        },
    }
    asked: dict[str, Any] = {k: bounds[k]["default"] for k in ("cpu", "memory")}
    if gpus:
        asked["gpu"] = gpus
    notebook = {
        "apiVersion": API_VERSION,
        "kind": "Notebook",
        "metadata": {"name": new_name, "namespace": namespace},
        "spec": {
            "templateRef": {"name": template["metadata"]["name"]},
            "owner": owner,
            "resources": asked,
            "stopped": STOP_ANNOTATION in (meta.get("annotations") or {}),
            "updatePolicy": "Manual",
            **({"workspace": {"existingClaim": workspace[0]}} if workspace else {}),
            **({"dataVolumes": data_volumes} if data_volumes else {}),
        },
    }
    # Both must be valid for the models, or the migration says why.
    for model, obj in ((Template, template), (Notebook, notebook)):
        try:
            model.model_validate(obj)
        except ValueError as err:
            result.notes.append(f"cannot be carried: {err}")
            return result
    result.objects = [template, notebook]
    return result


def _claims(
    pod: dict[str, Any], main: dict[str, Any], result: Migration
) -> tuple[tuple[str, str] | None, list[dict[str, Any]]]:
    """Take the user's claims out of the pod (in place): the workspace (claim, path) and data volumes.

    The claim mounted at the home directory is the workspace (Kubeflow's web app names it
    <notebook>-workspace); every other claim becomes a data volume. They leave the Template, so
    that a notebook of someone else made from it never mounts them; the claims are untouched.
    """
    spec = pod.get("spec") or {}
    claims = {
        v["name"]: v["persistentVolumeClaim"]
        for v in spec.get("volumes") or []
        if (v.get("persistentVolumeClaim") or {}).get("claimName")
    }
    if not claims:
        result.notes.append(
            "had no workspace (no claim): it stays scratch only, its files go with each stop; "
            "set spec.workspace on its Template to give it one"
        )
        return None, []
    workspace: tuple[str, str] | None = None
    data: list[dict[str, Any]] = []
    kept_mounts = []
    for mount in main.get("volumeMounts") or []:
        source = claims.get(mount.get("name", ""))
        if source is None:
            kept_mounts.append(mount)
            continue
        path = mount.get("mountPath", "")
        read_only = bool(mount.get("readOnly") or source.get("readOnly"))
        if workspace is None and path.rstrip("/") in (HOME, "/home/jovyan") and not read_only:
            workspace = (source["claimName"], path)
            result.notes.append(
                f"workspace {source['claimName']} is reattached as it is (never written or deleted); "
                "its size stays the claim's own"
            )
        else:
            data.append(
                {
                    "claimName": source["claimName"],
                    "mountPath": path,
                    **({"readOnly": True} if read_only else {}),
                }
            )
            result.notes.append(f"PVC {source['claimName']} mounts at {path} as a data volume")
    for container in [main, *(spec.get("containers") or [])[1:]]:
        if container is not main and any(
            m.get("name") in claims for m in container.get("volumeMounts") or []
        ):
            result.notes.append(
                f"container {container.get('name')} mounts a claim: only the notebook container's claims "
                "are carried"
            )
    if kept_mounts:
        main["volumeMounts"] = kept_mounts
    else:
        main.pop("volumeMounts", None)
    spec["volumes"] = [v for v in spec.get("volumes") or [] if v["name"] not in claims]
    if not spec["volumes"]:
        del spec["volumes"]
    if workspace is None:
        result.notes.append("no claim is mounted at the home directory: no workspace, only data volumes")
    return workspace, data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="jupyter nbctl migrate",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", type=Path, help="Kubeflow Notebook manifests (YAML; `-` reads stdin)")
    parser.add_argument("--apply", action="store_true", help="create the objects, as the kubeconfig's user")
    parser.add_argument("--kubeconfig", default=None)
    parser.add_argument(
        "--owner",
        action="append",
        default=[],
        metavar="[NAMESPACE=]USER",
        help="the owner of the notebooks of NAMESPACE (or of every namespace); repeatable",
    )
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv[1:] if argv and argv[0] == "migrate" else argv)

    text = sys.stdin.read() if str(args.file) == "-" else args.file.read_text()
    try:
        docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    except yaml.YAMLError as err:
        print(f"{args.file} is not YAML: {err}", file=sys.stderr)
        return 2
    items = [i for d in docs for i in (d.get("items") if d.get("kind", "").endswith("List") else [d])]
    owners = dict(o.split("=", 1) if "=" in o else ("", o) for o in args.owner)
    profiles = {
        i["metadata"]["name"]: ((i.get("spec") or {}).get("owner") or {}).get("name", "")
        for i in items
        if i.get("kind") == "Profile" and str(i.get("apiVersion", "")).startswith("kubeflow.org/")
    }
    migrations = [
        convert(i, owners, {k: v for k, v in profiles.items() if v})
        for i in items
        if i.get("kind") == "Notebook" and str(i.get("apiVersion", "")).startswith("kubeflow.org/")
    ]
    objects = [o for m in migrations for o in m.objects]
    print(f"# {len(migrations)} Kubeflow notebooks, {len(objects)} objects", file=sys.stderr)
    for migration in migrations:
        print(
            f"# {migration.source}: " + ("migrated" if migration.objects else "NOT migrated"), file=sys.stderr
        )
        for note in migration.notes:
            print(f"#   - {note}", file=sys.stderr)
    if not args.apply:
        print(yaml.safe_dump_all(objects, sort_keys=False), end="")
        return 0
    from kubernetes import client, config

    config.load_kube_config(config_file=args.kubeconfig)
    custom = client.CustomObjectsApi()
    for obj in objects:
        plural = "templates" if obj["kind"] == "Template" else "notebooks"
        custom.create_namespaced_custom_object(
            "jackhoman.dev", "v1beta1", obj["metadata"]["namespace"], plural, obj
        )
        print(
            f"created {obj['kind']} {obj['metadata']['namespace']}/{obj['metadata']['name']}", file=sys.stderr
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
