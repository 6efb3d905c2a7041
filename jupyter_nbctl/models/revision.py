"""TemplateRevision: an immutable snapshot of a Template and its PodDefaults.

The controller makes one in a notebook's namespace the first time a notebook
there uses that content, names it by a hash of the content, and owns it by
every Notebook that runs it. A running notebook is rendered from its revision,
never from the live Template, so a Template edit or a controller upgrade
reaches it only at its next start, through a new revision. Users never write
these.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from jupyter_nbctl.models.base import CrdInfo, KubeModel, PrinterColumn, Resource
from jupyter_nbctl.models.template import Dependency, ResourceBounds, RouteSettings


class TemplateSource(KubeModel):
    """The Template a revision was taken from."""

    name: str
    """The Template's name."""
    namespace: str
    """The Template's namespace."""


class PodDefaultSnapshot(KubeModel):
    """A PodDefault as it was when the revision was taken."""

    name: str
    """The PodDefault's name, in the Template's namespace."""
    display_name: str | None = None
    """The name the launch form shows."""
    description: str | None = None
    """What picking it gives the notebook."""
    default: bool = False
    """For configurations: whether the launch form picks it by default."""
    template: dict[str, Any] = Field(json_schema_extra={"x-kubernetes-preserve-unknown-fields": True})
    """The PodDefault's partial pod template."""


class TemplateRevisionSpec(KubeModel):
    """Everything a notebook's pod is rendered from, frozen."""

    template: TemplateSource
    """Where this revision came from."""
    pod_template: dict[str, Any] = Field(json_schema_extra={"x-kubernetes-preserve-unknown-fields": True})
    """The Template's own pod template, as written."""
    required: list[PodDefaultSnapshot] = Field(default_factory=list)
    """The required PodDefaults, in the Template's order."""
    configurations: list[PodDefaultSnapshot] = Field(default_factory=list)
    """The optional PodDefaults the Template offered."""
    resources: ResourceBounds
    """The resource bounds and defaults."""
    dependencies: list[Dependency] = Field(default_factory=list)
    """The objects copied next to the notebooks, owned by this revision."""
    render_version: int
    """The controller's rendering version: a new one makes a new revision."""
    route: RouteSettings | None = None
    """The Template's route settings."""


class TemplateRevision(Resource[TemplateRevisionSpec, KubeModel]):
    """An immutable snapshot of a Template, in the namespace of its notebooks."""

    crd = CrdInfo(
        kind="TemplateRevision",
        plural="templaterevisions",
        short_names=("nbrev",),
        has_status=False,
        printer_columns=(
            PrinterColumn("Template", ".spec.template.name"),
            PrinterColumn("Template Namespace", ".spec.template.namespace"),
            PrinterColumn("Age", ".metadata.creationTimestamp", "date"),
        ),
        rules=({"rule": "self.spec == oldSelf.spec", "message": "a revision's spec is immutable"},),
    )

    kind: Literal["TemplateRevision"] = "TemplateRevision"
    """The kind of the object: TemplateRevision."""
    status: None = None
    """Revisions have no status."""
