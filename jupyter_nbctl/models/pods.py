"""Pod templates as Templates and PodDefaults carry them.

Only the fields that jupyter-nbctl reads are typed; everything else of the real
Kubernetes PodSpec and Container is kept as it is written (open models).
"""

from __future__ import annotations

from pydantic import Field

from jupyter_nbctl.models.base import KubeModel, OpenModel

# Keyed lists: the API server refuses two entries with the same name.
_BY_NAME = {"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"]}


class PodTemplateMeta(KubeModel):
    """Labels and annotations for the pod."""

    labels: dict[str, str] | None = None
    """Labels put on the pod."""
    annotations: dict[str, str] | None = None
    """Annotations put on the pod."""


class Container(OpenModel):
    """A container of a pod template: any field of a Kubernetes Container."""

    name: str
    """The container's name; PodDefaults merge into the container of the same name."""
    image: str | None = None
    """The container image."""


class TemplateContainer(Container):
    """A container of a Template's pod: a Kubernetes Container with an image."""

    image: str = Field(min_length=1)  # type: ignore[assignment]
    """The container image, for example kubeflownotebookswg/jupyter-scipy:v1.9.0."""


class PodSpec(OpenModel):
    """A Kubernetes PodSpec: containers are typed, every other field is kept."""

    containers: list[Container] = Field(default_factory=list, json_schema_extra=_BY_NAME)
    """The pod's containers."""


class TemplatePodSpec(PodSpec):
    """A Template's PodSpec: at least one container, each with a name and an image.

    The first container is the notebook's: it gets the user's resources,
    `NB_PREFIX` and the route to its first port.
    """

    containers: list[TemplateContainer] = Field(  # type: ignore[assignment]
        min_length=1, json_schema_extra=_BY_NAME
    )
    """The pod's containers; the first one runs the notebook server."""


class PodTemplate(KubeModel):
    """A partial pod template, merged into the pods that use it."""

    metadata: PodTemplateMeta | None = None
    """Labels and annotations for the pod."""
    spec: PodSpec = Field(default_factory=PodSpec)
    """The pod's spec: containers by name, volumes, and any other PodSpec field."""


class TemplatePodTemplate(KubeModel):
    """A full pod template, like a Deployment's `spec.template`."""

    metadata: PodTemplateMeta | None = None
    """Labels and annotations for the pod."""
    spec: TemplatePodSpec
    """The pod's spec: a Kubernetes PodSpec."""
