"""PodDefault: a partial pod template merged into the pods of Templates.

Unlike Kubeflow's PodDefault there is no label selector and no webhook: a
Template names the PodDefaults it requires or offers, and the controller merges
them when it renders a notebook's pod, by name for containers, env, volumes,
volume mounts and ports. The same key with another value is a conflict.
"""

from __future__ import annotations

from typing import Literal

from jupyter_nbctl.models.base import CrdInfo, KubeModel, PrinterColumn, Resource
from jupyter_nbctl.models.pods import PodTemplate


class PodDefaultSpec(KubeModel):
    """What a PodDefault adds to a pod."""

    display_name: str | None = None
    """The name the launch form shows; the object's name when unset."""
    description: str | None = None
    """What picking this configuration gives the notebook."""
    template: PodTemplate
    """The fields merged into the pod: containers by name, volumes, and any other PodSpec field."""


class PodDefault(Resource[PodDefaultSpec, KubeModel]):
    """A piece of pod configuration shared by Templates."""

    crd = CrdInfo(
        kind="PodDefault",
        plural="poddefaults",
        short_names=("nbpd",),
        has_status=False,
        printer_columns=(
            PrinterColumn("Description", ".spec.description"),
            PrinterColumn("Age", ".metadata.creationTimestamp", "date"),
        ),
    )

    kind: Literal["PodDefault"] = "PodDefault"
    """The kind of the object: PodDefault."""
    status: None = None
    """PodDefaults have no status."""
