"""The custom resources of jupyter-nbctl, defined once as pydantic models.

The controller, the server extension and the CRD generator all use these.
This package imports neither kopf nor Jupyter Server nor the Kubernetes client.
"""

from jupyter_nbctl.models.base import API_VERSION, GROUP, VERSION, Condition, ObjectMeta
from jupyter_nbctl.models.notebook import (
    Notebook,
    NotebookResources,
    NotebookSpec,
    NotebookStatus,
    Phase,
    TemplateRef,
)
from jupyter_nbctl.models.poddefault import PodDefault, PodDefaultSpec
from jupyter_nbctl.models.quantity import Quantity, parse_quantity
from jupyter_nbctl.models.revision import TemplateRevision, TemplateRevisionSpec
from jupyter_nbctl.models.template import Template, TemplateSpec

RESOURCES = (Template, PodDefault, Notebook, TemplateRevision)
"""Every kind, in the order their CRDs are written."""

__all__ = [
    "API_VERSION",
    "GROUP",
    "RESOURCES",
    "VERSION",
    "Condition",
    "Notebook",
    "NotebookResources",
    "NotebookSpec",
    "NotebookStatus",
    "ObjectMeta",
    "Phase",
    "PodDefault",
    "PodDefaultSpec",
    "Quantity",
    "Template",
    "TemplateRef",
    "TemplateRevision",
    "TemplateRevisionSpec",
    "TemplateSpec",
    "parse_quantity",
]
