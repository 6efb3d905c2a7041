"""What an update changes, said in words: two revisions compared (pure)."""

from __future__ import annotations

from typing import Any

from jupyter_nbctl.models.revision import TemplateRevisionSpec
from jupyter_nbctl.revision_diff import revision_changes


def _revision(image: str = "lab:1", **over: Any) -> TemplateRevisionSpec:
    spec: dict[str, Any] = {
        "template": {"name": "lab", "namespace": "team"},
        "podTemplate": {"spec": {"containers": [{"name": "main", "image": image}]}},
        "required": [{"name": "pypi", "template": {"spec": {"containers": [{"name": "main", "env": []}]}}}],
        "configurations": [],
        "resources": {"cpu": {"default": "1", "max": "4"}, "memory": {"default": "2Gi"}},
        "dependencies": [],
        "renderVersion": 1,
        **over,
    }
    return TemplateRevisionSpec.model_validate(spec)


def _said(before: TemplateRevisionSpec, after: TemplateRevisionSpec, **kw: Any) -> dict[str, tuple]:
    return {c.what: (c.before, c.after) for c in revision_changes(before, after, **kw)}


def test_the_same_revision_changes_nothing() -> None:
    assert revision_changes(_revision(), _revision()) == []


def test_an_image_a_bound_and_an_offered_configuration_are_named() -> None:
    after = _revision(
        "lab:2",
        resources={"cpu": {"default": "1", "max": "8"}, "memory": {"default": "2Gi"}},
        configurations=[{"name": "spark", "template": {}}],
    )
    assert _said(_revision(), after) == {
        "Image of container main": ("lab:1", "lab:2"),
        "CPU max": ("4", "8"),
        "Configuration spark": (None, "added"),
    }


def test_a_changed_poddefault_a_new_rendering_and_other_settings_are_each_one_line() -> None:
    after = _revision(
        required=[
            {"name": "pypi", "template": {"spec": {"containers": [{"name": "main", "env": [{"name": "X"}]}]}}}
        ],
        renderVersion=2,
        podTemplate={
            "spec": {"containers": [{"name": "main", "image": "lab:1"}], "nodeSelector": {"gpu": "yes"}}
        },
    )
    assert _said(_revision(), after) == {
        "Required PodDefault pypi": ("as it was", "changed"),
        "How the controller renders the pod": ("version 1", "version 2"),
        "Other pod settings": ("as they were", "changed"),
    }


def test_against_a_live_template_a_container_only_a_poddefault_adds_has_not_gone() -> None:
    merged = _revision(
        podTemplate={
            "spec": {"containers": [{"name": "main", "image": "lab:1"}, {"name": "proxy", "image": "p:1"}]}
        }
    )
    assert _said(merged, _revision("lab:2"), other_pod_settings=False) == {
        "Image of container main": ("lab:1", "lab:2")
    }
