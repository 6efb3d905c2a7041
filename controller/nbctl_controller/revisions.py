"""Making a revision from a Template and its PodDefaults (pure).

A revision's name is `<template>-<hash>`, the hash taken over its whole spec,
so the same Template content gives the same name in every namespace, and any
change, of the Template, of a PodDefault it names, or of RENDER_VERSION,
gives a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jupyter_nbctl.models.template import TemplateSpec
from nbctl_controller.merge import MergeConflict, merge_pod_templates
from nbctl_controller.names import digest, revision_name
from nbctl_controller.problems import NotebookProblem

RENDER_VERSION = 1
"""Bump when render.py changes what it makes from the same revision: running
notebooks then see an update, and take it at their next start, never before."""


def template_source(namespace: str, name: str) -> str:
    return f"Template {namespace}/{name}"


def poddefault_source(namespace: str, name: str) -> str:
    return f"PodDefault {namespace}/{name}"


def _snapshot(namespace: str, name: str, poddefaults: Mapping[str, Mapping[str, Any]], **extra: Any) -> dict:
    spec = poddefaults[name]
    snapshot = {"name": name, "template": dict(spec.get("template") or {}), **extra}
    for field in ("displayName", "description"):
        if spec.get(field):
            snapshot[field] = spec[field]
    return snapshot


def build_revision(
    namespace: str,
    name: str,
    template_spec: Mapping[str, Any],
    poddefaults: Mapping[str, Mapping[str, Any]],
) -> tuple[str, dict[str, Any]]:
    """The revision (name, spec) of a Template as it is now.

    `poddefaults` maps names to the specs of the PodDefaults in the Template's
    namespace. Raises NotebookProblem when a required PodDefault is missing or
    the required ones conflict with the Template or each other.
    """
    spec = TemplateSpec.model_validate(template_spec)
    missing = [ref.name for ref in spec.required if ref.name not in poddefaults]
    if missing:
        raise NotebookProblem(
            "PodDefaultNotFound",
            f"{template_source(namespace, name)} requires PodDefault "
            + ", ".join(f"{namespace}/{m}" for m in missing)
            + ", which does not exist",
        )
    required = [_snapshot(namespace, ref.name, poddefaults) for ref in spec.required]
    # Offered configurations that do not exist are left out; a notebook that
    # picks one is told so when it is rendered.
    configurations = [
        _snapshot(namespace, c.name, poddefaults, default=c.default)
        for c in spec.configurations
        if c.name in poddefaults
    ]
    pod_template = spec.template.to_dict()
    try:
        merge_pod_templates(
            pod_template,
            template_source(namespace, name),
            [(poddefault_source(namespace, pd["name"]), pd["template"]) for pd in required],
        )
    except MergeConflict as err:
        raise NotebookProblem("PodDefaultConflict", str(err)) from err
    revision = {
        "template": {"name": name, "namespace": namespace},
        "podTemplate": pod_template,
        "required": required,
        "configurations": configurations,
        "resources": spec.resources.to_dict(),
        "dependencies": [d.to_dict() for d in spec.dependencies],
        "workspace": spec.workspace.to_dict(),
        "renderVersion": RENDER_VERSION,
    }
    if spec.route is not None:
        # Only when set, so templates without route settings keep their revision names.
        revision["route"] = spec.route.to_dict()
    return revision_name(name, digest(revision)), revision
