"""A notebook's workspace claim and data volumes: resolved, checked and rendered (pure).

The controller writes only claims it made for a notebook's owner (labelled a
workspace, annotated with the owner and the uid of the notebook that uses
it). A claim of that name that is not ours, one that is another owner's, one
still used by a live notebook, or one kept from an earlier notebook that this
one does not ask to reattach, is a NotebookProblem, and nothing is written.
Claims it did not make (a data volume, a migrated Kubeflow workspace) are
mounted as they are and never written.

A kept workspace has no owner reference, so the garbage collector leaves it;
`onDelete: Delete` adds the notebook as its owner, so it goes with it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_nbctl.models.bounds import OutOfBounds, resolve_workspace_size
from jupyter_nbctl.models.quantity import parse_quantity
from jupyter_nbctl.models.workspace import DEFAULT_MOUNT_PATH, workspace_claim_name
from nbctl_controller.names import (
    NOTEBOOK_LABEL,
    NOTEBOOK_UID_ANNOTATION,
    OWNER_ANNOTATION,
    WORKSPACE_LABEL,
    child_labels,
    digest,
    kept_workspace_role_name,
)
from nbctl_controller.problems import NotebookProblem

WORKSPACE_VOLUME = "nbctl-workspace"


@dataclass(frozen=True)
class Workspace:
    """The workspace a notebook mounts, as its revision and spec resolve it."""

    claim: str
    size: str | None  # None: an existing claim keeps the size it has
    mount_path: str
    access_mode: str
    storage_class: str | None
    on_delete: str
    reattach: bool  # spec.workspace.existingClaim names it


def resolve(notebook: str, spec: dict[str, Any], revision: dict[str, Any], template: str) -> Workspace | None:
    """The notebook's workspace, None when its revision gives none (scratch only)."""
    settings = revision.get("workspace")
    asked = spec.get("workspace") or {}
    if not settings or not settings.get("enabled", True):
        if asked.get("existingClaim"):
            raise NotebookProblem(
                "WorkspaceNotOffered",
                f"{template} gives its notebooks no workspace (scratch only), so "
                f"spec.workspace.existingClaim {asked['existingClaim']} cannot be its home; "
                "mount it as a data volume instead.",
            )
        return None
    existing = asked.get("existingClaim")
    try:
        if existing and asked.get("size") is None:
            size = None
        else:
            size = resolve_workspace_size(settings.get("size") or {}, asked.get("size"))
    except OutOfBounds as err:
        raise NotebookProblem("WorkspaceOutOfBounds", f"{err} (spec.workspace.size)") from err
    return Workspace(
        claim=existing or workspace_claim_name(notebook),
        size=size,
        mount_path=settings.get("mountPath") or DEFAULT_MOUNT_PATH,
        access_mode=settings.get("accessMode") or "ReadWriteOnce",
        storage_class=settings.get("storageClassName"),
        on_delete=asked.get("onDelete") or "Retain",
        reattach=bool(existing),
    )


def is_workspace(claim: dict[str, Any] | None) -> bool:
    return claim is not None and (claim["metadata"].get("labels") or {}).get(WORKSPACE_LABEL) == "true"


def claim_owner(claim: dict[str, Any]) -> str:
    return (claim["metadata"].get("annotations") or {}).get(OWNER_ANNOTATION, "")


def claim_user(claim: dict[str, Any]) -> tuple[str, str]:
    """(notebook name, notebook uid) the claim was last made or reattached for."""
    meta = claim["metadata"]
    return (meta.get("labels") or {}).get(NOTEBOOK_LABEL, ""), (meta.get("annotations") or {}).get(
        NOTEBOOK_UID_ANNOTATION, ""
    )


def check_claim(
    ws: Workspace,
    notebook_uid: str,
    owner: str,
    claim: dict[str, Any] | None,
    alive: Callable[[str, str], bool],
) -> None:
    """Raise a NotebookProblem unless this notebook may make, or use, the claim `claim` (None: absent).

    `alive(name, uid)` says whether a notebook of that name and uid exists in the namespace.
    """
    if claim is None or not is_workspace(claim):
        return  # absent (made at create, which refuses a foreign one) or not ours (mounted, never written)
    name, uid = claim_user(claim)
    if claim["metadata"].get("deletionTimestamp") and uid != notebook_uid:
        raise NotebookProblem(
            "WorkspaceDeleting",
            f"PersistentVolumeClaim {ws.claim}, kept from an earlier notebook {name}, is being deleted; "
            "this notebook's workspace is made once it has gone.",
        )
    who = claim_owner(claim)
    if who != owner:
        raise NotebookProblem(
            "WorkspaceNotYours",
            f"PersistentVolumeClaim {ws.claim} is a workspace of {who or 'another user'}; "
            f"{owner or 'this notebook'} may not mount it.",
        )
    if uid == notebook_uid:
        return
    if uid and alive(name, uid):
        raise NotebookProblem(
            "WorkspaceInUse",
            f"PersistentVolumeClaim {ws.claim} is the workspace of notebook {name}; "
            "a workspace serves one notebook at a time.",
        )
    if not ws.reattach:
        raise NotebookProblem(
            "WorkspaceKept",
            f"A workspace {ws.claim} kept from an earlier notebook {name} exists: set "
            f"spec.workspace.existingClaim to {ws.claim} to reattach it, or delete it first.",
        )


def render_claim(
    namespace: str,
    owner: str,
    ws: Workspace,
    notebook_ref: dict[str, Any],
    current: dict[str, Any] | None,
    default_class: str | None,
) -> dict[str, Any]:
    """The workspace claim, holding only the fields the controller owns.

    `notebook_ref` is the notebook's owner reference (render.owner_reference), set on the claim
    only under onDelete: Delete. Access mode and storage class are fixed when the claim is made
    (the API server refuses changes), so they come from the claim once it exists. It never shrinks.
    """
    spec_now = (current or {}).get("spec") or {}
    now = ((spec_now.get("resources") or {}).get("requests") or {}).get("storage")
    size = ws.size or now or "5Gi"
    if now is not None and parse_quantity(size) < parse_quantity(now):
        size = now
    spec: dict[str, Any] = {
        "accessModes": spec_now.get("accessModes") or [ws.access_mode],
        "resources": {"requests": {"storage": size}},
    }
    storage_class = spec_now.get("storageClassName") or ws.storage_class or default_class
    if storage_class:
        spec["storageClassName"] = storage_class
    meta: dict[str, Any] = {
        "name": ws.claim,
        "namespace": namespace,
        "labels": {**child_labels(notebook_ref["name"]), WORKSPACE_LABEL: "true"},
        "annotations": {OWNER_ANNOTATION: owner, NOTEBOOK_UID_ANNOTATION: notebook_ref["uid"]},
    }
    if ws.on_delete == "Delete":
        meta["ownerReferences"] = [notebook_ref]
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": meta, "spec": spec}


def pod_volumes(
    ws: Workspace | None,
    data_volumes: list[dict[str, Any]],
    container: dict[str, Any],
    pod_spec: dict[str, Any],
) -> None:
    """Mount the workspace and the data volumes into the notebook's container (in place)."""
    mounts = list(container.get("volumeMounts") or [])
    taken = {m.get("mountPath", "").rstrip("/") or "/": m.get("name") for m in mounts}
    volumes = list(pod_spec.get("volumes") or [])
    wanted: list[tuple[str, str, str, bool]] = []
    if ws is not None:
        wanted.append((WORKSPACE_VOLUME, ws.claim, ws.mount_path, False))
    for dv in data_volumes:
        wanted.append(
            (
                f"nbctl-data-{digest(dv['claimName'], 12)}",
                dv["claimName"],
                dv["mountPath"],
                bool(dv.get("readOnly")),
            )
        )
    seen_paths: dict[str, str] = {}
    for volume, claim, path, read_only in wanted:
        key = path.rstrip("/") or "/"
        if key in taken:
            raise NotebookProblem(
                "VolumeMountConflict",
                f"{path} is already a mount of the template's volume {taken[key]}; "
                f"claim {claim} needs another mountPath.",
            )
        if key in seen_paths:
            raise NotebookProblem(
                "VolumeMountConflict",
                f"claims {seen_paths[key]} and {claim} are both mounted at {path}.",
            )
        seen_paths[key] = claim
        if any(v.get("name") == volume for v in volumes):
            continue  # the same claim twice: one volume, two mounts
        volumes.append(
            {
                "name": volume,
                "persistentVolumeClaim": {"claimName": claim, **({"readOnly": True} if read_only else {})},
            }
        )
        mounts.append({"name": volume, "mountPath": path, **({"readOnly": True} if read_only else {})})
    if wanted:
        container["volumeMounts"] = mounts
        pod_spec["volumes"] = volumes


def render_kept_access(claim: dict[str, Any], owner: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Role and RoleBinding, owned by a kept workspace, that let its owner read and delete it."""
    meta = claim["metadata"]
    name = kept_workspace_role_name(meta["name"])
    notebook, _ = claim_user(claim)
    common = {
        "name": name,
        "namespace": meta["namespace"],
        "labels": child_labels(notebook),
        "ownerReferences": [
            {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": meta["name"], "uid": meta["uid"]}
        ],
    }
    role = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": common,
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["persistentvolumeclaims"],
                "resourceNames": [meta["name"]],
                "verbs": ["get", "delete"],
            }
        ],
    }
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": common,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": owner}],
    }
    return role, binding


def condition(
    ws: Workspace, claim: dict[str, Any] | None, refused: str | None
) -> tuple[str, str, str, dict[str, Any]]:
    """(status, reason, message, status.workspace) of the WorkspaceReady condition."""
    view: dict[str, Any] = {"claimName": ws.claim, "mountPath": ws.mount_path}
    if claim is None:
        if ws.reattach:
            return "True", "ExternalClaim", f"Claim {ws.claim} is mounted at {ws.mount_path} as it is.", view
        return "False", "Creating", f"The workspace {ws.claim} is being made.", view
    spec, status = claim.get("spec") or {}, claim.get("status") or {}
    requested = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
    capacity = (status.get("capacity") or {}).get("storage")
    phase = status.get("phase") or "Pending"
    view.update({"size": requested, "phase": phase, **({"capacity": capacity} if capacity else {})})
    if refused:
        return "False", refused.split(":", 1)[0], refused.split(":", 1)[1].strip(), view
    if ws.size and requested and parse_quantity(ws.size) < parse_quantity(requested):
        return (
            "False",
            "ShrinkRefused",
            f"The workspace {ws.claim} is {requested}: a volume cannot shrink to {ws.size}. "
            "Its size stays as it is.",
            view,
        )
    if phase == "Lost":
        return (
            "False",
            "Lost",
            f"The volume of workspace {ws.claim} is lost: {status.get('message', '')}",
            view,
        )
    if phase != "Bound":
        return (
            "False",
            "WaitingForVolume",
            f"The workspace {ws.claim} waits for its volume"
            + (f" of storage class {spec['storageClassName']}" if spec.get("storageClassName") else "")
            + "; it is made when the pod is scheduled.",
            view,
        )
    if capacity and requested and parse_quantity(capacity) < parse_quantity(requested):
        conditions = {c.get("type") for c in status.get("conditions") or []}
        if "FileSystemResizePending" in conditions:
            return (
                "False",
                "RestartToResize",
                f"The volume of workspace {ws.claim} grew to {requested}; its file system grows "
                "when the notebook restarts (stop and start it).",
                view,
            )
        return "False", "Resizing", f"The workspace {ws.claim} grows from {capacity} to {requested}.", view
    return (
        "True",
        "Bound",
        f"The workspace {ws.claim} ({capacity or requested}) is mounted at {ws.mount_path}.",
        view,
    )
