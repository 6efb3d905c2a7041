"""Workspaces: the volume that keeps a notebook's files across stop, start, update and resize.

A Template says whether its notebooks get a workspace, where it is mounted,
how big it may be and which storage class and access mode it has. A Notebook
says how big its own is, whether it is kept or deleted with the notebook
(kept by default), and may reattach a workspace kept from an earlier notebook
of the same owner, or mount other claims of its namespace as data volumes.
The controller names a new workspace `<notebook>-workspace`, as Kubeflow's
web app does, so migrated notebooks keep theirs.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jupyter_nbctl.models.base import KubeModel
from jupyter_nbctl.models.quantity import Quantity

DEFAULT_MOUNT_PATH = "/home/jovyan"
DEFAULT_SIZE = "5Gi"  # Kubeflow's web app's default workspace size
WORKSPACE_SUFFIX = "-workspace"

# What the controller writes on a workspace claim, and the extension reads: that it is one,
# whose it is, and the uid of the notebook that uses it.
WORKSPACE_LABEL = "jackhoman.dev/workspace"
OWNER_ANNOTATION = "jackhoman.dev/owner"
NOTEBOOK_UID_ANNOTATION = "jackhoman.dev/notebook-uid"

AccessMode = Literal["ReadWriteOnce", "ReadWriteOncePod", "ReadWriteMany"]
OnDelete = Literal["Retain", "Delete"]

_PATH_PATTERN = r"^/"  # absolute; the kubelet refuses the rest with its own message
_CLAIM_PATTERN = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$"

_SIZE_ORDERED = [
    {
        "rule": "!has(self.min) || quantity(string(self.min)).compareTo(quantity(string(self.default))) <= 0",
        "message": "min must not be greater than default",
    },
    {
        "rule": "!has(self.max) || quantity(string(self.default)).compareTo(quantity(string(self.max))) <= 0",
        "message": "default must not be greater than max",
    },
]


class SizeBounds(KubeModel):
    """The sizes a user may pick for a workspace."""

    model_config = {"json_schema_extra": {"x-kubernetes-validations": _SIZE_ORDERED}}

    default: Quantity = DEFAULT_SIZE
    """What a notebook's workspace gets when its owner does not say; 5Gi, as in Kubeflow."""
    min: Quantity | None = None
    """The smallest workspace a user may ask for; no lower bound when unset."""
    max: Quantity | None = None
    """The largest workspace a user may ask for; no upper bound when unset (quotas still apply)."""


class WorkspaceSettings(KubeModel):
    """What a Template's notebooks get for their files."""

    enabled: bool = True
    """false: the notebooks have no workspace (scratch only): their files go with each stop."""
    mount_path: str = Field(default=DEFAULT_MOUNT_PATH, pattern=_PATH_PATTERN, max_length=4096)
    """Where the workspace is mounted in the notebook's container: the image's home, /home/jovyan."""
    size: SizeBounds = Field(default_factory=SizeBounds)
    """The sizes a user may pick, with the default."""
    storage_class_name: str | None = Field(default=None, min_length=1, max_length=253)
    """The StorageClass of new workspaces; the cluster's default class when unset."""
    access_mode: AccessMode = "ReadWriteOnce"
    """ReadWriteOnce (one node at a time), ReadWriteOncePod or ReadWriteMany."""


class WorkspaceRequest(KubeModel):
    """The owner's wishes for the notebook's workspace."""

    size: Quantity | None = None
    """The workspace's size, within the Template's bounds; the Template's default when unset.
    It may grow, never shrink."""
    on_delete: OnDelete = "Retain"
    """Retain: the workspace is kept when the notebook is deleted, to be reattached or deleted later.
    Delete: it goes with the notebook."""
    existing_claim: str | None = Field(default=None, pattern=_CLAIM_PATTERN, max_length=253)
    """A workspace kept from an earlier notebook of the same owner (or a claim the owner may use)
    to mount instead of a new one. Set at creation only."""


class DataVolume(KubeModel):
    """An existing PersistentVolumeClaim of the namespace, mounted beside the workspace."""

    claim_name: str = Field(pattern=_CLAIM_PATTERN, max_length=253)
    """The claim's name: one the owner may `get`, or a workspace of their own."""
    mount_path: str = Field(pattern=_PATH_PATTERN, max_length=4096)
    """Where it is mounted in the notebook's container."""
    read_only: bool = False
    """Mount it read-only."""


# On the notebook's spec, so that they also hold when the workspace field itself is added later.
SPEC_RULES = [
    {
        "rule": "!has(self.workspace) || !has(self.workspace.size) || !has(oldSelf.workspace) ||"
        " !has(oldSelf.workspace.size) ||"
        " quantity(string(self.workspace.size)).compareTo(quantity(string(oldSelf.workspace.size))) >= 0",
        "message": "spec.workspace.size cannot shrink: a volume only grows",
    },
    {
        "rule": "(has(self.workspace) && has(self.workspace.existingClaim) ?"
        " self.workspace.existingClaim : '') =="
        " (has(oldSelf.workspace) && has(oldSelf.workspace.existingClaim) ?"
        " oldSelf.workspace.existingClaim : '')",
        "message": "spec.workspace.existingClaim is chosen when the notebook is created and cannot change",
    },
]


def workspace_claim_name(notebook: str) -> str:
    """Kubeflow's name for a notebook's workspace claim."""
    return f"{notebook}{WORKSPACE_SUFFIX}"
