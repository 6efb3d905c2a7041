"""Template: what an operations team publishes for users to launch.

A Template creates nothing by itself. It holds a full pod template, the
PodDefaults every notebook of it gets (`required`) or may pick
(`configurations`), the objects to copy next to its notebooks
(`dependencies`), how it shows in the catalog, the resource bounds users pick
within, the workspace that keeps each notebook's files, and which namespaces
may use it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from jupyter_nbctl.models.base import (
    CrdInfo,
    KubeModel,
    LocalObjectReference,
    PrinterColumn,
    Resource,
)
from jupyter_nbctl.models.culling import CullingPolicy
from jupyter_nbctl.models.pods import TemplatePodTemplate
from jupyter_nbctl.models.quantity import Quantity
from jupyter_nbctl.models.selectors import LabelSelector
from jupyter_nbctl.models.workspace import WorkspaceSettings

# min <= default <= max, checked by the API server. `string()` turns an integer
# quantity into the string form that `quantity()` reads.
_ORDERED = [
    {
        "rule": "!has(self.min) || quantity(string(self.min)).compareTo(quantity(string(self.default))) <= 0",
        "message": "min must not be greater than default",
    },
    {
        "rule": "!has(self.max) || quantity(string(self.default)).compareTo(quantity(string(self.max))) <= 0",
        "message": "default must not be greater than max",
    },
]
_ORDERED_INT = [
    {"rule": "self.min <= self.default", "message": "min must not be greater than default"},
    {"rule": "self.default <= self.max", "message": "default must not be greater than max"},
]


_LIMIT_FACTOR = {
    "rule": "!has(self.limitFactor) || self.limitFactor == 'none' || double(self.limitFactor) >= 1.0",
    "message": "limitFactor must be 1 or more, or none",
}


class QuantityBounds(KubeModel):
    """The range a user may pick a cpu or memory amount from."""

    model_config = {"json_schema_extra": {"x-kubernetes-validations": [*_ORDERED, _LIMIT_FACTOR]}}

    default: Quantity
    """What a notebook gets when its owner does not say."""
    min: Quantity | None = None
    """The least a user may ask for; no lower bound when unset."""
    max: Quantity | None = None
    """The most a user may ask for; when unset, 16 CPUs or 64Gi of memory (or the default, if more)."""
    limit_factor: str | None = Field(default=None, pattern=r"^(none|[0-9]+(\.[0-9]+)?)$")
    """The container's limit as a multiple of what the notebook gets, as Kubeflow's limitFactor: unset
    or 1, the limit is the request; `none`, no limit (the notebook may use its node's idle CPU, and
    starts faster; a namespace quota on limits then refuses its pod)."""

    @field_validator("limit_factor")
    @classmethod
    def _at_least_one(cls, value: str | None) -> str | None:
        if value not in (None, "none") and Decimal(value) < 1:
            raise ValueError("limitFactor must be 1 or more, or none")
        return value


class GpuBounds(KubeModel):
    """The number of GPUs a user may pick, and the resource that counts them."""

    model_config = {"json_schema_extra": {"x-kubernetes-validations": _ORDERED_INT}}

    default: int = Field(default=0, ge=0)
    """GPUs a notebook gets when its owner does not say."""
    min: int = Field(default=0, ge=0)
    """The fewest GPUs a user may ask for."""
    max: int = Field(default=0, ge=0)
    """The most GPUs a user may ask for; 0 means the template offers none."""
    resource_name: str = "nvidia.com/gpu"
    """The extended resource that counts GPUs on the nodes, for example nvidia.com/gpu."""


class ResourceBounds(KubeModel):
    """The resources users may pick, with their defaults."""

    cpu: QuantityBounds = Field(default_factory=lambda: QuantityBounds(default="1"))
    """CPU cores (requests and limits of the notebook container)."""
    memory: QuantityBounds = Field(default_factory=lambda: QuantityBounds(default="2Gi"))
    """Memory (requests and limits of the notebook container)."""
    gpu: GpuBounds = Field(default_factory=GpuBounds)
    """GPUs (limits of the notebook container)."""


class Configuration(KubeModel):
    """An optional PodDefault that users may pick when they launch."""

    name: str = Field(min_length=1)
    """The PodDefault's name, in the Template's namespace."""
    default: bool = False
    """Whether the launch form picks it unless the user says otherwise."""


class Dependency(KubeModel):
    """An object copied into each namespace where the Template is used.

    The copy is owned by the template revision, so it goes away with the last
    notebook that needs it. Only Secrets and ConfigMaps can be copied, and only
    from the Template's own namespace.
    """

    api_version: Literal["v1"] = "v1"
    """The object's API version: v1."""
    kind: Literal["Secret", "ConfigMap"]
    """The object's kind: Secret or ConfigMap."""
    name: str = Field(min_length=1)
    """The object's name in the Template's namespace; the copy has the same name."""


class RouteSettings(KubeModel):
    """How requests reach the notebook's server, for images that need it (code-server, RStudio)."""

    rewrite: str | None = None
    """The path /notebook/<ns>/<name>/ is rewritten to, for example /; unchanged when unset."""
    request_headers: dict[str, str] | None = None
    """Headers set on every request; ${NB_PREFIX} stands for /notebook/<ns>/<name>."""


class TemplateSpec(KubeModel):
    """What a Template offers."""

    display_name: str | None = None
    """The name the catalog shows; the object's name when unset."""
    description: str | None = None
    """A sentence or two on what the template is for."""
    icon: str | None = None
    """An image for the catalog card: an https or data: URL."""
    template: TemplatePodTemplate
    """The pod of each notebook, like a Deployment's spec.template. It creates nothing by itself."""
    required: list[LocalObjectReference] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    """PodDefaults merged into every notebook of this template, from the Template's namespace."""
    configurations: list[Configuration] = Field(
        default_factory=list,
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]},
    )
    """Optional PodDefaults, from the Template's namespace, that users may pick at launch."""
    dependencies: list[Dependency] = Field(default_factory=list)
    """Secrets and ConfigMaps copied next to the notebooks that use this template."""
    resources: ResourceBounds = Field(default_factory=ResourceBounds)
    """The cpu, memory and GPUs users may pick, with their defaults."""
    workspace: WorkspaceSettings = Field(default_factory=WorkspaceSettings)
    """The volume that keeps each notebook's files: where, how big, which storage class; or none."""
    route: RouteSettings | None = None
    """Route settings for images that are not served at their prefix (code-server, RStudio)."""
    culling: CullingPolicy | None = None
    """When its notebooks stop by themselves (idle, or running too long), read from the live
    Template so a change applies at once; the controller's default when unset, off with `{}`."""
    namespace_selector: LabelSelector | None = None
    """The namespaces whose notebooks may use this template; all namespaces when unset."""


class Template(Resource[TemplateSpec, KubeModel]):
    """A notebook template: a full pod template plus what users may choose."""

    crd = CrdInfo(
        kind="Template",
        plural="templates",
        short_names=("nbt",),
        has_status=False,
        printer_columns=(
            PrinterColumn("Display Name", ".spec.displayName"),
            PrinterColumn("Image", ".spec.template.spec.containers[0].image", priority=1),
            PrinterColumn("Age", ".metadata.creationTimestamp", "date"),
        ),
    )

    kind: Literal["Template"] = "Template"
    """The kind of the object: Template."""
    status: None = None
    """Templates have no status."""
