"""Names, labels and hashes of everything the controller makes, in one pure place.

Every child of a notebook is named from the notebook's name, which the CRD
limits to 52 characters (see jupyter_nbctl.models.notebook), so the names
below always fit their own limits.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from nbctl_guard.tickets import access_secret_name  # noqa: F401 (shared with the extension)

from jupyter_nbctl.models.workspace import (  # noqa: F401 (names of the controller's objects, in one place)
    NOTEBOOK_UID_ANNOTATION,
    OWNER_ANNOTATION,
    WORKSPACE_LABEL,
)

FIELD_MANAGER = "nbctl-controller"
MANAGED_BY = "app.kubernetes.io/managed-by"
MANAGED_BY_VALUE = "nbctl-controller"
NOTEBOOK_LABEL = "jackhoman.dev/notebook"
REVISION_LABEL = "jackhoman.dev/revision"
TEMPLATE_LABEL = "jackhoman.dev/template"
APPLIED_ANNOTATION = "jackhoman.dev/applied"
INTENT_ANNOTATION = "jackhoman.dev/intent"
COPIED_FROM_ANNOTATION = "jackhoman.dev/copied-from"
# Marks the cluster's default StorageClass (Kubernetes' own annotation).
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"

# Children carry this label, so the controller's watches can ask the API
# server for its own objects only.
SELECTOR = f"{MANAGED_BY}={MANAGED_BY_VALUE}"

_LABEL_VALUE_MAX = 63
_HASH_LENGTH = 10


def digest(value: Any, length: int = _HASH_LENGTH) -> str:
    """A short, stable hash of a JSON-able value (key order does not matter)."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:length]


def revision_name(template_name: str, content_hash: str) -> str:
    """`<template>-<hash>`, short enough to be a label value too."""
    room = _LABEL_VALUE_MAX - len(content_hash) - 1
    stem = template_name[:room].rstrip("-.")
    return f"{stem}-{content_hash}"


def statefulset_name(notebook: str) -> str:
    return notebook


def pod_name(notebook: str) -> str:
    return f"{notebook}-0"


def service_name(notebook: str) -> str:
    return notebook


def route_name(namespace: str, notebook: str) -> str:
    """Kubeflow's name for the route, `notebook-<ns>-<name>`, hashed when too long."""
    name = f"notebook-{namespace}-{notebook}"
    if len(name) <= 253:
        return name
    return f"notebook-{digest([namespace, notebook], 16)}"


def role_name(notebook: str) -> str:
    return f"nbctl-notebook-{notebook}"


def kept_workspace_role_name(claim: str) -> str:
    """The Role that lets an owner read and delete a workspace kept from a deleted notebook."""
    name = f"nbctl-workspace-{claim}"
    return name if len(name) <= 253 else f"nbctl-workspace-{digest(claim, 16)}"


def url_prefix(namespace: str, notebook: str) -> str:
    """Where Kubeflow's images expect to be served: /notebook/<ns>/<name>/."""
    return f"/notebook/{namespace}/{notebook}/"


def child_labels(notebook: str) -> dict[str, str]:
    """Labels on every child of a notebook, and on its pod."""
    return {MANAGED_BY: MANAGED_BY_VALUE, NOTEBOOK_LABEL: notebook}
