"""A notebook's status from what the controller saw (pure; the clock is passed in).

Phases: Pending (no pod yet, or it cannot be scheduled), Starting, Running,
Stopping, Stopped, Failed (the notebook cannot be made, or its pod cannot
run: an image that cannot be pulled, a crash loop). Conditions keep their
lastTransitionTime until their status really changes, so an unchanged notebook
has an unchanged status and the controller writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nbctl_controller.problems import NotebookProblem

IMAGE_PROBLEMS = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
# SchedulerError: a failure after a node was picked, such as a workspace volume that cannot be made.
SCHEDULING_PROBLEMS = {"Unschedulable", "SchedulerError"}
RUN_PROBLEMS = {"CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError", "RunContainerError"}


@dataclass(frozen=True)
class Observed:
    """What the reconciler knows when it writes the status."""

    generation: int
    stopped: bool
    problem: NotebookProblem | None
    template: str  # "namespace/name"
    latest_revision: str | None
    current_revision: str | None
    statefulset: dict[str, Any] | None
    pod: dict[str, Any] | None
    url: str
    # (status, reason, message, status.workspace) of the workspace, None without one.
    workspace: tuple[str, str, str, dict[str, Any]] | None = None


def _condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
    return {"type": kind, "status": status, "reason": reason, "message": message}


def _pod_state(pod: dict[str, Any] | None) -> tuple[str, str, str, str]:
    """(phase, Ready status, reason, message) from the pod alone."""
    if pod is None:
        return "Pending", "False", "PodNotCreated", "Waiting for the notebook's pod to be created."
    if pod["metadata"].get("deletionTimestamp"):
        return "Starting", "False", "PodTerminating", "The previous pod is shutting down."
    status = pod.get("status") or {}
    conditions = {c["type"]: c for c in status.get("conditions") or []}
    scheduled = conditions.get("PodScheduled")
    if scheduled and scheduled.get("status") == "False" and scheduled.get("reason") in SCHEDULING_PROBLEMS:
        message = scheduled.get("message") or "no node can take the pod"
        return "Pending", "False", "Unschedulable", f"The pod cannot be scheduled: {message}"
    for container in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        waiting = (container.get("state") or {}).get("waiting") or {}
        reason = waiting.get("reason", "")
        detail = waiting.get("message") or reason
        if reason in IMAGE_PROBLEMS:
            return (
                "Failed",
                "False",
                "ImagePullBackOff",
                (
                    f"The image {container.get('image', '')} of container {container['name']} "
                    f"cannot be pulled: {detail}"
                ),
            )
        if reason in RUN_PROBLEMS:
            return "Failed", "False", reason, f"Container {container['name']} cannot run: {detail}"
    if conditions.get("Ready", {}).get("status") == "True":
        return "Running", "True", "PodReady", "The notebook is running and ready."
    if scheduled is None or scheduled.get("status") != "True":
        return "Pending", "False", "PodPending", "The pod is waiting to be scheduled."
    return "Starting", "False", "PodStarting", "The notebook's pod is starting."


def compute(observed: Observed) -> dict[str, Any]:
    """The status, without lastTransitionTime (see `with_transitions`)."""
    o = observed
    sts = o.statefulset
    if o.problem is not None and (sts is None or (not o.stopped and o.pod is None)):
        phase, ready, reason, message = "Failed", "False", o.problem.reason, o.problem.message
    elif o.stopped:
        if o.pod is not None:
            phase, ready, reason, message = "Stopping", "False", "Stopping", "The notebook is stopping."
        else:
            phase, ready, reason, message = "Stopped", "False", "Stopped", "The notebook is stopped."
    else:
        phase, ready, reason, message = _pod_state(o.pod)

    if o.problem is not None:
        resolved = _condition("TemplateResolved", "False", o.problem.reason, o.problem.message)
    else:
        resolved = _condition(
            "TemplateResolved", "True", "Resolved", f"Template {o.template} is revision {o.latest_revision}."
        )
    update_available = bool(
        o.latest_revision and o.current_revision and o.latest_revision != o.current_revision
    )
    if update_available:
        up_to_date = _condition(
            "UpToDate",
            "False",
            "UpdateAvailable",
            f"Revision {o.latest_revision} of template {o.template} is available; the notebook runs "
            f"{o.current_revision}. It takes effect when spec.revision is set to it (the panel's "
            "Update), or, under updatePolicy Auto, at the next start.",
        )
    elif o.current_revision:
        up_to_date = _condition(
            "UpToDate", "True", "Current", f"The notebook uses revision {o.current_revision}."
        )
    else:
        up_to_date = _condition("UpToDate", "Unknown", "NoRevision", "The notebook has no revision yet.")

    status: dict[str, Any] = {
        "phase": phase,
        "conditions": [resolved, _condition("Ready", ready, reason, message), up_to_date],
        "observedGeneration": o.generation,
        "updateAvailable": update_available,
        "url": o.url,
        "readyReplicas": int(((sts or {}).get("status") or {}).get("readyReplicas") or 0),
    }
    if o.workspace is not None:
        ws_status, ws_reason, ws_message, view = o.workspace
        status["conditions"].append(_condition("WorkspaceReady", ws_status, ws_reason, ws_message))
        status["workspace"] = {k: v for k, v in view.items() if v is not None}
    if o.current_revision:
        status["currentRevision"] = o.current_revision
    if o.latest_revision:
        status["latestRevision"] = o.latest_revision
    return status


def with_transitions(new: dict[str, Any], old: dict[str, Any] | None, now: str) -> dict[str, Any]:
    """Carry each condition's lastTransitionTime over unless its status changed."""
    before = {c["type"]: c for c in (old or {}).get("conditions") or []}
    for condition in new["conditions"]:
        previous = before.get(condition["type"])
        if previous and previous.get("status") == condition["status"] and previous.get("lastTransitionTime"):
            condition["lastTransitionTime"] = previous["lastTransitionTime"]
        else:
            condition["lastTransitionTime"] = now
    return new


_CULLING_NEWS = {
    "IdleWarning": "Warning",
    "MaxRunningWarning": "Warning",
    "StoppedIdle": "Normal",
    "StoppedMaxRunning": "Normal",
    "ActivityUnknown": "Warning",
}
_WORKSPACE_NEWS = {
    "ExpansionRefused": "Warning",
    "ShrinkRefused": "Warning",
    "Lost": "Warning",
    "RestartToResize": "Normal",
}


def news(new: dict[str, Any], old: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """Events worth telling: (type, reason, message) for conditions that newly went wrong or right."""
    before = {c["type"]: c for c in (old or {}).get("conditions") or []}
    told = []
    for condition in new["conditions"]:
        previous = before.get(condition["type"], {})
        if (previous.get("status"), previous.get("reason")) == (condition["status"], condition["reason"]):
            continue
        if condition["status"] == "False" and condition["type"] in ("TemplateResolved", "Ready"):
            if condition["reason"] in (
                "Stopped",
                "Stopping",
                "PodNotCreated",
                "PodStarting",
                "PodPending",
                "PodTerminating",
            ):
                continue
            if ("Warning", condition["reason"], condition["message"]) not in told:
                told.append(("Warning", condition["reason"], condition["message"]))
        elif condition["type"] == "WorkspaceReady" and condition["reason"] in _WORKSPACE_NEWS:
            told.append((_WORKSPACE_NEWS[condition["reason"]], condition["reason"], condition["message"]))
        elif condition["type"] == "UpToDate" and condition["reason"] == "UpdateAvailable":
            told.append(("Normal", "UpdateAvailable", condition["message"]))
        elif condition["type"] == "Culling" and condition["reason"] in _CULLING_NEWS:
            told.append((_CULLING_NEWS[condition["reason"]], condition["reason"], condition["message"]))
    told.extend(_keep_alive_news(new.get("culling") or {}, (old or {}).get("culling") or {}))
    return told


def _keep_alive_news(new: dict[str, Any], old: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A Keep running answered in this status: honoured until keptUntil, or refused."""
    if not new.get("answered") or new.get("answered") == old.get("answered"):
        return []
    if new.get("keepAlive") and new.get("keptUntil"):
        message = f"At its owner's request, not stopped for idleness before {new['keptUntil']}."
        return [("Normal", "KeptRunning", message)]
    return [("Warning", "KeepRunningRefused", "The notebook's template does not let owners postpone a stop.")]
