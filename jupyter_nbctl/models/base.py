"""The base of every model: camelCase on the wire, documented fields.

Field docstrings become the descriptions in the CRD schema (what
`kubectl explain` shows), so every field carries one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

GROUP = "jackhoman.dev"
VERSION = "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"


class KubeModel(BaseModel):
    """A Kubernetes-shaped model: camelCase aliases, unknown fields refused."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        use_attribute_docstrings=True,
        extra="forbid",
        # Validators are built on first use: the controller uses a few of these models, the CRDs and
        # the extension the rest; building them all at import cost the controller 2 MiB.
        defer_build=True,
    )

    def to_dict(self) -> dict[str, Any]:
        """The wire form: aliases, no unset optional fields."""
        return self.model_dump(by_alias=True, exclude_none=True, mode="json")


class OpenModel(KubeModel):
    """A model that keeps fields it does not name (a pod spec, a container).

    In the CRD these become `x-kubernetes-preserve-unknown-fields`, so the API
    server keeps every field of the real Kubernetes type.
    """

    model_config = ConfigDict(extra="allow")


class ObjectMeta(OpenModel):
    """The object's metadata, as the API server keeps it."""

    name: str | None = None
    """The object's name, unique in its namespace."""
    namespace: str | None = None
    """The namespace the object lives in."""
    labels: dict[str, str] | None = None
    """Labels of the object."""
    annotations: dict[str, str] | None = None
    """Annotations of the object."""


class LocalObjectReference(KubeModel):
    """A reference to an object by name, in a namespace the context gives."""

    name: str
    """The object's name."""


ConditionStatus = Literal["True", "False", "Unknown"]


class Condition(KubeModel):
    """One aspect of an object's state, in the shape of `metav1.Condition`."""

    type: str
    """What the condition is about, in CamelCase (Ready, TemplateResolved)."""
    status: ConditionStatus
    """Whether the condition holds: True, False or Unknown."""
    reason: str
    """A CamelCase word for why the condition is as it is, for machines."""
    message: str = ""
    """Why the condition is as it is, for people."""
    observed_generation: int | None = None
    """The object's generation when the condition was last set."""
    last_transition_time: str | None = None
    """When the status last changed (RFC 3339); it moves only on a change."""


@dataclass(frozen=True)
class PrinterColumn:
    """A column of `kubectl get`."""

    name: str
    json_path: str
    type: str = "string"
    description: str = ""
    priority: int = 0


@dataclass(frozen=True)
class CrdInfo:
    """What a CRD needs beyond the schema: names, columns, whole-object rules."""

    kind: str
    plural: str
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ("nbctl",)
    printer_columns: tuple[PrinterColumn, ...] = ()
    has_status: bool = True
    # CEL rules on the whole object (they may read metadata.name).
    rules: tuple[dict[str, str], ...] = field(default_factory=tuple)


SpecT = TypeVar("SpecT", bound=KubeModel)
StatusT = TypeVar("StatusT", bound=KubeModel)


class Resource(KubeModel, Generic[SpecT, StatusT]):
    """A custom resource of group jackhoman.dev: apiVersion, kind, metadata, spec."""

    crd: ClassVar[CrdInfo]

    api_version: str = API_VERSION
    """The API version, jackhoman.dev/v1beta1."""
    kind: str
    """The kind of the object."""
    metadata: ObjectMeta = ObjectMeta()
    """The object's metadata."""
    # spec and status take their descriptions from their models' docstrings.
    spec: SpecT
    status: StatusT | None = None
