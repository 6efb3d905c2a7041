"""Whose a child is, and whether someone else changed it (pure: no client).

The controller writes a child only when it made it for this very notebook:
the child carries the controller's label (which only the controller may set,
see deploy/policies/children.yaml) and its controlling owner reference holds
the notebook's UID. A child that outlived an earlier notebook of the same
name is the controller's own and is deleted, never adopted; an object of
that name the controller did not make is left as it is.

Drift is read from `managedFields`: when another manager wrote the object
after the controller's own apply, the controller applies again. Server-side
apply puts back the fields it owns and keeps the other writer's additions.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from nbctl_controller.names import FIELD_MANAGER, MANAGED_BY, MANAGED_BY_VALUE, digest

# A slim copy carries this key when someone else wrote the object after the controller: a mark of
# those writes (see drifted).
DRIFT_KEY = "drifted"


class Whose(Enum):
    MINE = "mine"
    ORPHAN = "orphan"  # made by the controller for a notebook that no longer exists
    GOING = "going"  # being deleted: wait for it
    TAKEN = "taken"  # someone else's, or another living notebook's


def controlling_uid(obj: dict[str, Any] | None) -> str | None:
    """The UID of the object's controlling owner, if it has one."""
    for ref in (obj or {}).get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref.get("uid")  # type: ignore[no-any-return]
    return None


def controlling_ref(meta: dict[str, Any]) -> list[dict[str, Any]]:
    """The controlling owner reference alone, as a slim copy keeps it."""
    return [
        {k: ref[k] for k in ("kind", "name", "uid", "controller") if k in ref}
        for ref in meta.get("ownerReferences") or []
        if ref.get("controller")
    ]


def made_by_controller(obj: dict[str, Any]) -> bool:
    return (obj["metadata"].get("labels") or {}).get(MANAGED_BY) == MANAGED_BY_VALUE


def whose(obj: dict[str, Any], notebook_uid: str, alive: Any) -> Whose:
    """Whose an existing object of a child's name is, seen from the notebook of that UID.

    `alive(name, uid)` says whether the notebook of that name and UID exists.
    """
    meta = obj["metadata"]
    if meta.get("deletionTimestamp"):
        return Whose.GOING
    if not made_by_controller(obj):
        return Whose.TAKEN
    owner = next((r for r in meta.get("ownerReferences") or [] if r.get("controller")), None)
    if owner is not None and owner.get("uid") == notebook_uid:
        return Whose.MINE
    if owner is not None and owner.get("kind") == "Notebook" and alive(owner.get("name"), owner.get("uid")):
        return Whose.TAKEN
    return Whose.ORPHAN


def drifted(meta: dict[str, Any]) -> str | None:
    """A mark of the writes other managers made to the object (not its status) since the controller's
    last apply, or None when there are none. Times have one-second steps: a write in the same second
    counts. The mark changes only with those writes, not with the object's status, so an apply that
    found nothing to put back is not repeated until someone writes again."""
    ours: str | None = None
    theirs: list[dict[str, Any]] = []
    for entry in meta.get("managedFields") or []:
        if entry.get("subresource"):
            continue  # status, scale: not fields the controller owns
        if entry.get("manager") == FIELD_MANAGER and entry.get("operation") == "Apply":
            ours = entry.get("time") or ""
        else:
            theirs.append(entry)
    if ours is None:
        return None
    # RFC 3339 times in UTC compare as strings.
    after = [
        [e.get("manager"), e.get("operation"), e.get("time"), e.get("fieldsV1")]
        for e in theirs
        if (e.get("time") or "") >= ours
    ]
    return digest(sorted(after, key=str)) if after else None
