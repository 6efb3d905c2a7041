"""Notebook: what a user launches from a Template, and what it became.

The owner is stamped at admission from the request's user, never from what a
client sends. `updatePolicy` decides when a notebook moves to a newer revision
of its Template: `Auto` at each stop or start, `Manual` only when the owner
sets `spec.revision` to the revision it wants (status.latestRevision).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jupyter_nbctl.models.base import (
    Condition,
    CrdInfo,
    KubeModel,
    PrinterColumn,
    Resource,
)
from jupyter_nbctl.models.culling import CullingStatus
from jupyter_nbctl.models.quantity import Quantity
from jupyter_nbctl.models.workspace import SPEC_RULES, DataVolume, WorkspaceRequest

Phase = Literal["Pending", "Starting", "Running", "Stopping", "Stopped", "Failed"]
UpdatePolicy = Literal["Auto", "Manual"]

# The name becomes the StatefulSet's, its pod's (<name>-0) and the Service's.
# Service names are DNS-1035 labels, and the StatefulSet controller labels pods
# with "<name>-<10-character hash>", which must fit in 63 characters.
MAX_NAME_LENGTH = 52
NAME_PATTERN = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"


class TemplateRef(KubeModel):
    """Which Template a notebook is made from."""

    name: str = Field(min_length=1)
    """The Template's name."""
    namespace: str | None = None
    """The Template's namespace; the notebook's own namespace when unset."""


class NotebookResources(KubeModel):
    """The resources the owner picked, inside the Template's bounds."""

    cpu: Quantity | None = None
    """CPU cores, for example 2 or 500m; the Template's default when unset."""
    memory: Quantity | None = None
    """Memory, for example 16Gi; the Template's default when unset."""
    gpu: int | None = Field(default=None, ge=0)
    """Number of GPUs; the Template's default when unset."""


class NotebookSpec(KubeModel):
    """What the owner asked for."""

    model_config = {"json_schema_extra": {"x-kubernetes-validations": SPEC_RULES}}

    template_ref: TemplateRef
    """The Template this notebook is made from."""
    resources: NotebookResources = Field(default_factory=NotebookResources)
    """CPU, memory and GPUs, inside the Template's bounds."""
    stopped: bool = False
    """Set to true to stop the notebook (its pod goes away, its storage stays)."""
    update_policy: UpdatePolicy = "Auto"
    """Auto: move to the newest template revision whenever the notebook stops or starts.
    Manual: only when the owner sets spec.revision."""
    configurations: list[str] = Field(
        default_factory=list, json_schema_extra={"x-kubernetes-list-type": "set"}
    )
    """The optional PodDefaults (configurations) of the Template that the owner picked, by name."""
    revision: str | None = None
    """Under Manual: the template revision to run, usually status.latestRevision.
    Unset keeps the current one."""
    workspace: WorkspaceRequest = Field(default_factory=WorkspaceRequest)
    """The notebook's workspace: its size, whether it is kept on delete, or a kept one to reattach."""
    data_volumes: list[DataVolume] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["mountPath"]},
    )
    """Existing claims of the namespace mounted beside the workspace."""
    keep_running_until: str | None = None
    """Set by the owner ("Keep running", RFC 3339): no idle stop before this time, at most the
    Template's culling.keepAlive from when the controller sees it."""
    owner: str | None = None
    """The user who owns the notebook, stamped at admission from the creating request.
    Only admins may change it."""


class WorkspaceStatus(KubeModel):
    """The notebook's workspace as the controller last saw it."""

    claim_name: str
    """The PersistentVolumeClaim that holds the notebook's files."""
    size: Quantity | None = None
    """The size the notebook asks for."""
    capacity: Quantity | None = None
    """The size the volume has, once bound."""
    phase: str | None = None
    """The claim's phase: Pending, Bound or Lost."""
    mount_path: str | None = None
    """Where it is mounted in the notebook's container."""


class NotebookStatus(KubeModel):
    """What the notebook is, as the controller last saw it."""

    phase: Phase | None = None
    """Pending, Starting, Running, Stopping, Stopped or Failed."""
    conditions: list[Condition] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    """The notebook's conditions: TemplateResolved, Ready, UpToDate and others."""
    observed_generation: int | None = None
    """The generation of the spec this status describes."""
    current_revision: str | None = None
    """The template revision the notebook runs (or will run at its next start)."""
    latest_revision: str | None = None
    """The newest revision of the notebook's Template and PodDefaults."""
    update_available: bool = False
    """Whether latestRevision differs from currentRevision."""
    url: str | None = None
    """The path the notebook is served at: /notebook/<namespace>/<name>/."""
    ready_replicas: int = 0
    """1 when the notebook's pod is ready, else 0."""
    workspace: WorkspaceStatus | None = None
    """The notebook's workspace; unset when its Template gives none (scratch only)."""
    culling: CullingStatus | None = None
    """A coming stop (idle, or running too long) and the owner's keep-alive; unset when none."""


class Notebook(Resource[NotebookSpec, NotebookStatus]):
    """A user's notebook server, made from a Template."""

    crd = CrdInfo(
        kind="Notebook",
        plural="notebooks",
        short_names=("nb",),
        printer_columns=(
            PrinterColumn("Template", ".spec.templateRef.name"),
            PrinterColumn("Phase", ".status.phase"),
            PrinterColumn("Ready", ".status.readyReplicas", "integer"),
            PrinterColumn("Owner", ".spec.owner"),
            PrinterColumn("Age", ".metadata.creationTimestamp", "date"),
        ),
        rules=(
            {
                "rule": f"self.metadata.name.size() <= {MAX_NAME_LENGTH}"
                f" && self.metadata.name.matches('{NAME_PATTERN}')",
                "message": f"metadata.name must be at most {MAX_NAME_LENGTH} lowercase letters,"
                " digits and '-', start with a letter and end with a letter or digit"
                " (it names the notebook's StatefulSet, pod and Service)",
            },
        ),
    )

    kind: Literal["Notebook"] = "Notebook"
    """The kind of the object: Notebook."""
    status: NotebookStatus | None = None
    """What the notebook is, as the controller last saw it."""
