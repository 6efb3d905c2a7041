"""What changes between two TemplateRevisions, in words a notebook's owner reads.

The panel's detail view shows it beside "Restart to update": the images of
the containers, the PodDefaults required and offered, the resource bounds,
the copied dependencies, the route, and a change of the controller's
rendering. Anything else in the pod template is one line, "other pod
settings", rather than a diff of YAML.
"""

from __future__ import annotations

from typing import Any

from jupyter_nbctl.api_models import RevisionChange
from jupyter_nbctl.models.revision import PodDefaultSnapshot, TemplateRevisionSpec


def _containers(pod_template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    spec = pod_template.get("spec") or {}
    return {
        f"{kind} {c.get('name', '?')}": c
        for kind, key in (("container", "containers"), ("init container", "initContainers"))
        for c in spec.get(key) or []
    }


def _rest(pod_template: dict[str, Any]) -> Any:
    """The pod template less the images, which are said one by one."""
    containers = {
        name: {k: v for k, v in c.items() if k != "image"} for name, c in _containers(pod_template).items()
    }
    spec = {
        k: v for k, v in (pod_template.get("spec") or {}).items() if k not in ("containers", "initContainers")
    }
    return containers, spec, {k: v for k, v in pod_template.items() if k != "spec"}


def _snapshots(items: list[PodDefaultSnapshot]) -> dict[str, PodDefaultSnapshot]:
    return {s.name: s for s in items}


def _pod_defaults(
    kind: str, before: list[PodDefaultSnapshot], after: list[PodDefaultSnapshot]
) -> list[RevisionChange]:
    old, new = _snapshots(before), _snapshots(after)
    changes = []
    for name in sorted(old.keys() | new.keys()):
        if name not in new:
            changes.append(RevisionChange(what=f"{kind} {name}", before="included", after="removed"))
        elif name not in old:
            changes.append(RevisionChange(what=f"{kind} {name}", before=None, after="added"))
        elif old[name].template != new[name].template:
            changes.append(RevisionChange(what=f"{kind} {name}", before="as it was", after="changed"))
    return changes


def _bounds(before: TemplateRevisionSpec, after: TemplateRevisionSpec) -> list[RevisionChange]:
    changes = []
    for resource in ("cpu", "memory", "gpu"):
        old = getattr(before.resources, resource).model_dump(by_alias=True, exclude_none=True)
        new = getattr(after.resources, resource).model_dump(by_alias=True, exclude_none=True)
        for field in sorted(old.keys() | new.keys()):
            if old.get(field) != new.get(field):
                changes.append(
                    RevisionChange(
                        what=f"{resource.upper() if resource != 'memory' else 'Memory'} {field}",
                        before=None if old.get(field) is None else str(old[field]),
                        after=None if new.get(field) is None else str(new[field]),
                    )
                )
    return changes


def revision_changes(
    before: TemplateRevisionSpec, after: TemplateRevisionSpec, other_pod_settings: bool = True
) -> list[RevisionChange]:
    """The differences a restart onto `after` brings to a notebook that runs `before`.

    `other_pod_settings` compares the pod templates beyond their images, which only two stored
    revisions allow (theirs have the required PodDefaults merged in).
    """
    changes: list[RevisionChange] = []
    old, new = _containers(before.pod_template), _containers(after.pod_template)
    # Without the merged pod, a container only a PodDefault adds is not a container that went.
    for name in sorted(old.keys() | new.keys() if other_pod_settings else new.keys()):
        image_before = (old.get(name) or {}).get("image")
        image_after = (new.get(name) or {}).get("image")
        if image_before != image_after:
            changes.append(RevisionChange(what=f"Image of {name}", before=image_before, after=image_after))
    changes += _pod_defaults("Required PodDefault", before.required, after.required)
    changes += _pod_defaults("Configuration", before.configurations, after.configurations)
    changes += _bounds(before, after)
    deps_before = {f"{d.kind} {d.name}" for d in before.dependencies}
    deps_after = {f"{d.kind} {d.name}" for d in after.dependencies}
    for dep in sorted(deps_before - deps_after):
        changes.append(RevisionChange(what=f"Copied {dep}", before="copied", after="no longer copied"))
    for dep in sorted(deps_after - deps_before):
        changes.append(RevisionChange(what=f"Copied {dep}", before=None, after="copied"))
    if before.route != after.route:
        changes.append(RevisionChange(what="Route settings", before="as they were", after="changed"))
    if before.render_version != after.render_version:
        changes.append(
            RevisionChange(
                what="How the controller renders the pod",
                before=f"version {before.render_version}",
                after=f"version {after.render_version}",
            )
        )

    if other_pod_settings and _rest(before.pod_template) != _rest(after.pod_template):
        changes.append(RevisionChange(what="Other pod settings", before="as they were", after="changed"))
    return changes
