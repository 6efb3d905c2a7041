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
    created: str | None = None
    """When it was created (RFC 3339)."""
    mine: bool = True
    """Whether the current user owns it, and so may stop, resize or delete it."""


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


class ResizeRequest(KubeModel):
    """New resources for a notebook; it restarts with them."""

    resources: LaunchResources
    """CPU, memory and GPUs, inside the template's bounds."""


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


class LogsView(KubeModel):
    """The end of the notebook container's log."""

    container: str
    """The container the log is from."""
    text: str
    """The log's last lines."""


class ErrorBody(KubeModel):
    """What went wrong, for a person."""

    message: str
    """What went wrong and, where it can be said, what to do."""
    reason: str | None = None
    """A word for the kind of error."""
