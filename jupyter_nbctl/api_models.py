"""The REST API's request and response bodies, as pydantic models.

These are the extension's contract with the panel (and any script): the
OpenAPI document is generated from them. They are views of the CRD models,
shaped for a person's screen, not copies of Kubernetes objects.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from jupyter_nbctl.models.base import Condition, KubeModel
from jupyter_nbctl.models.notebook import MAX_NAME_LENGTH, NAME_PATTERN, Phase, UpdatePolicy
from jupyter_nbctl.models.quantity import Quantity
from jupyter_nbctl.models.workspace import DataVolume, OnDelete


class Identity(KubeModel):
    """Who the server acts as, and where."""

    username: str
    """The user's name, as the Kubernetes API server knows it."""
    groups: list[str] = Field(default_factory=list)
    """The user's groups."""
    namespace: str
    """The namespace the user's notebooks live in."""


class BoundsView(KubeModel):
    """A resource the user picks, with its default and limits."""

    default: str
    """What a notebook gets unless the user says otherwise."""
    min: str | None = None
    """The least the user may pick."""
    max: str | None = None
    """The most the user may pick."""


class GpuView(KubeModel):
    """The GPUs the user may pick."""

    default: int = 0
    """GPUs by default."""
    min: int = 0
    """The fewest GPUs."""
    max: int = 0
    """The most GPUs; 0 when the template offers none."""


class ResourceBoundsView(KubeModel):
    """The resources a template lets users pick."""

    cpu: BoundsView
    """CPU cores."""
    memory: BoundsView
    """Memory."""
    gpu: GpuView
    """GPUs."""


class ConfigurationView(KubeModel):
    """An optional PodDefault the template offers."""

    name: str
    """Its name: what a launch request lists."""
    display_name: str
    """What the launch form shows."""
    description: str = ""
    """What picking it gives the notebook."""
    default: bool = False
    """Whether the form picks it by default."""


class WorkspaceOfferView(KubeModel):
    """The workspace a template gives each notebook."""

    mount_path: str
    """Where it is mounted in the notebook, usually the home directory."""
    size: BoundsView
    """The sizes a user may pick, with the default."""
    storage_class_name: str | None = None
    """The storage class of new workspaces; the cluster's default when unset."""
    access_mode: str = "ReadWriteOnce"
    """How the volume may be mounted."""


class TemplateView(KubeModel):
    """A template the user may launch."""

    name: str
    """The Template's name."""
    namespace: str
    """The Template's namespace."""
    display_name: str
    """The name the catalog shows."""
    description: str = ""
    """What the template is for."""
    icon: str | None = None
    """An image URL for the catalog card."""
    image: str
    """The notebook container's image."""
    configurations: list[ConfigurationView] = Field(default_factory=list)
    """The configurations a user may pick."""
    resources: ResourceBoundsView
    """The resources a user may pick, with their defaults."""
    workspace: WorkspaceOfferView | None = None
    """The workspace each notebook gets; unset: none, files go with each stop (scratch only)."""


class TemplateList(KubeModel):
    """The templates the user may launch."""

    items: list[TemplateView]
    """The templates, by display name."""


class TemplateRefView(KubeModel):
    """Which template a notebook was launched from."""

    name: str
    """The Template's name."""
    namespace: str
    """The Template's namespace."""


class ResourcesView(KubeModel):
    """What the notebook asked for; unset values take the template's defaults."""

    cpu: str | None = None
    """CPU cores."""
    memory: str | None = None
    """Memory."""
    gpu: int | None = None
    """GPUs."""


class NotebookWorkspaceView(KubeModel):
    """The notebook's workspace: the volume that keeps its files."""

    claim_name: str
    """The PersistentVolumeClaim."""
    mount_path: str | None = None
    """Where it is mounted in the notebook."""
    size: str | None = None
    """The size asked for."""
    capacity: str | None = None
    """The size the volume has, once made."""
    phase: str | None = None
    """Pending, Bound or Lost."""
    on_delete: OnDelete = "Retain"
    """Retain: kept when the notebook is deleted. Delete: goes with it."""
    ready: bool = False
    """Whether it is mounted and as big as asked."""
    reason: str = ""
    """A word for its state (Bound, WaitingForVolume, Resizing, ExpansionRefused, ...)."""
    message: str = ""
    """Its state, for a person."""


class CullingView(KubeModel):
    """What culling has in store for a notebook (docs/culling.md)."""

    state: Literal["Active", "Warning", "Unknown", "Stopped"]
    """Active: watched, no stop coming; Warning: a stop is coming (stopAt); Unknown: its activity
    cannot be read, so it is not stopped for idleness; Stopped: culling stopped it."""
    reason: str = ""
    """The Culling condition's reason: Active, IdleWarning, MaxRunningWarning, ActivityUnknown,
    StoppedIdle, StoppedMaxRunning."""
    message: str = ""
    """What it means, for a person."""
    stop_at: str | None = None
    """When it stops unless used (RFC 3339), under Warning; when it stopped, under Stopped."""
    keep_alive: str | None = None
    """How far Keep running may postpone an idle stop; unset when the template offers none."""
    kept_until: str | None = None
    """Until when the owner's Keep running holds off an idle stop."""


class SelfView(KubeModel):
    """This Jupyter Server, when it runs inside a jupyter-nbctl notebook (its own JupyterLab asks)."""

    inside: bool
    """Whether a notebook's guard answers beside this server: it runs in a jupyter-nbctl notebook."""
    culling: CullingView | None = None
    """What culling had in store for this notebook at the controller's last probe."""


class NotebookView(KubeModel):
    """One of the user's notebooks, as the panel shows it."""

    name: str
    """The notebook's name."""
    namespace: str
    """Its namespace."""
    owner: str | None = None
    """Who owns it."""
    template: TemplateRefView
    """The template it was launched from."""
    phase: Phase | Literal["Unknown"] = "Unknown"
    """Pending, Starting, Running, Stopping, Stopped, Failed, or Unknown before the controller has seen it."""
    ready: bool = False
    """Whether it is running and ready."""
    reason: str = ""
    """When not ready: a word for why (Unschedulable, ImagePullBackOff, PodDefaultConflict, ...)."""
    message: str = ""
    """When not ready: why, for a person."""
    url: str | None = None
    """Where to open it."""
    stopped: bool = False
    """Whether its owner stopped it."""
    resources: ResourcesView
    """What it asked for."""
    update_policy: UpdatePolicy = "Auto"
    """Auto or Manual."""
    configurations: list[str] = Field(default_factory=list)
    """The configurations picked."""
    current_revision: str | None = None
    """The template revision it runs."""
    latest_revision: str | None = None
    """The template's newest revision."""
    update_available: bool = False
    """Whether a newer template revision is available."""
    conditions: list[Condition] = Field(default_factory=list)
    """The notebook's conditions, as the controller wrote them."""
    workspace: NotebookWorkspaceView | None = None
    """The notebook's workspace; unset when its template gives none (scratch only)."""
    created: str | None = None
    """When it was created (RFC 3339)."""
    mine: bool = True
    """Whether the current user owns it, and so may stop, resize or delete it."""
    culling: CullingView | None = None
    """Culling's view of it; unset when its template culls nothing, or it is not running."""


class NotebookList(KubeModel):
    """The user's notebooks."""

    items: list[NotebookView]
    """The notebooks, newest first."""


class LaunchTemplate(KubeModel):
    """The template to launch."""

    name: str = Field(min_length=1)
    """The Template's name."""
    namespace: str | None = None
    """The Template's namespace; the user's namespace when unset."""


class LaunchResources(KubeModel):
    """Resources inside the template's bounds; unset ones take its defaults."""

    cpu: Quantity | None = None
    """CPU cores, for example 2 or 500m."""
    memory: Quantity | None = None
    """Memory, for example 4Gi."""
    gpu: int | None = Field(default=None, ge=0)
    """GPUs."""


class LaunchWorkspace(KubeModel):
    """The workspace of a new notebook."""

    size: Quantity | None = None
    """Its size, inside the template's bounds; the template's default when unset."""
    existing_claim: str | None = None
    """A workspace of yours kept from an earlier notebook, to reattach instead of a new one."""
    on_delete: OnDelete = "Retain"
    """Retain (keep it when the notebook is deleted) or Delete."""


class LaunchRequest(KubeModel):
    """A new notebook."""

    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, pattern=NAME_PATTERN)
    """Lowercase letters, digits and '-', starting with a letter; at most 52 characters."""
    template: LaunchTemplate
    """The template to launch."""
    configurations: list[str] = Field(default_factory=list)
    """Configurations the template offers, by name."""
    resources: LaunchResources = Field(default_factory=LaunchResources)
    """CPU, memory and GPUs."""
    update_policy: UpdatePolicy = "Auto"
    """Auto: take template updates at each start. Manual: only when asked."""
    workspace: LaunchWorkspace = Field(default_factory=LaunchWorkspace)
    """Its workspace: size, kept or not on delete, or a kept one to reattach."""
    data_volumes: list[DataVolume] = Field(default_factory=list)
    """Claims of the namespace to mount beside the workspace."""


class ResizeWorkspace(KubeModel):
    """A new size for the notebook's workspace."""

    size: Quantity
    """The new size: more than now (a volume only grows), inside the template's bounds."""


class ResizeRequest(KubeModel):
    """New resources for a notebook (it restarts with them), or a bigger workspace (it does not)."""

    resources: LaunchResources | None = None
    """CPU, memory and GPUs, inside the template's bounds; unchanged when unset."""
    workspace: ResizeWorkspace | None = None
    """The workspace's new size; unchanged when unset. Growing it does not restart the notebook."""


class KeptWorkspaceView(KubeModel):
    """One of the user's workspaces, in use or kept from a deleted notebook."""

    name: str
    """The PersistentVolumeClaim's name."""
    notebook: str
    """The notebook it was made or last reattached for."""
    in_use: bool
    """Whether that notebook still uses it; if not, it is kept, to reattach or delete."""
    size: str | None = None
    """Its size."""
    capacity: str | None = None
    """The size its volume has."""
    phase: str | None = None
    """Pending, Bound or Lost."""
    created: str | None = None
    """When it was made (RFC 3339)."""


class WorkspaceList(KubeModel):
    """The user's workspaces, kept ones first."""

    items: list[KeptWorkspaceView]
    """The workspaces."""


class EventView(KubeModel):
    """Something Kubernetes said about the notebook or its pod."""

    type: str
    """Normal or Warning."""
    reason: str
    """A word for what happened."""
    message: str
    """What happened."""
    object: str
    """What it happened to, for example Notebook/lab or Pod/lab-0."""
    count: int = 1
    """How many times."""
    last_seen: str | None = None
    """When it last happened (RFC 3339)."""


class EventList(KubeModel):
    """The notebook's events, newest first."""

    items: list[EventView]
    """The events."""


class OpenView(KubeModel):
    """Where to open a notebook: its address with a ticket that its guard takes once, within minutes."""

    url: str
    """The notebook's address with a one-use ticket; open it in a new tab, do not keep it."""
    expires: str
    """When the ticket expires (RFC 3339)."""


class LogsView(KubeModel):
    """The end of the notebook container's log."""

    container: str
    """The container the log is from."""
    text: str
    """The log's last lines."""


class RevisionChange(KubeModel):
    """One difference between the revision a notebook runs and the one an update moves it to."""

    what: str
    """What changes, for example "Image of container main"."""
    before: str | None = None
    """What it is now; absent when it is new."""
    after: str | None = None
    """What it becomes; absent when it goes."""


class UpdateView(KubeModel):
    """What Update would do to a notebook: the revisions, whether it restarts, what changes."""

    current: str | None = None
    """The revision the notebook runs."""
    latest: str | None = None
    """The newest revision of its template."""
    available: bool = False
    """Whether there is a newer revision to move to."""
    restarts: bool = False
    """Whether updating restarts the notebook now (it runs): its kernels stop, its workspace's files stay."""
    changes: list[RevisionChange] = Field(default_factory=list)
    """What changes, in words."""


class ErrorBody(KubeModel):
    """What went wrong, for a person."""

    message: str
    """What went wrong and, where it can be said, what to do."""
    reason: str | None = None
    """A word for the kind of error."""
