"""Culling's verdict on one notebook (pure; the clock is passed in).

A running notebook under a policy gets a `Culling` condition: False (Active)
with the policy in words; Unknown while its probes fail, when it is never
stopped for idleness; True once its owner is warned (`status.culling.stopAt`),
and True (StoppedIdle, StoppedMaxRunning) on the notebook it stopped, until
it starts again. The condition and `status.culling` change only at those
steps, never as activity moves, so probing writes nothing while nothing
happens (docs/culling.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jupyter_nbctl.models.culling import CullingPolicy, seconds, spoken

CONDITION = "Culling"
STOPPED_REASONS = {"Idle": "StoppedIdle", "MaxRunning": "StoppedMaxRunning"}
WARNING_REASONS = {"Idle": "IdleWarning", "MaxRunning": "MaxRunningWarning"}


@dataclass
class Activity:
    """What the probes of one notebook's pod found so far."""

    pod_uid: str
    last_active: float | None = None
    """Epoch seconds of the latest sign of use: a busy kernel or CPU use count as now."""
    unknown_since: float | None = None
    """Epoch seconds since the probes fail; None while they answer."""
    error: str = ""


@dataclass(frozen=True)
class Verdict:
    condition: dict[str, Any] | None
    culling: dict[str, Any] | None
    stop: str | None = None  # "Idle" or "MaxRunning": stop it now
    message: str = ""


def policy_of(template: Mapping[str, Any] | None, default: CullingPolicy | None) -> CullingPolicy | None:
    """The live Template's policy, else the controller's default; None when culling is off."""
    spec = (template or {}).get("spec") or {}
    policy = CullingPolicy.model_validate(spec["culling"]) if "culling" in spec else default
    return policy if policy is not None and policy.enabled else None


def stamp(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(value: str) -> float:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def _clock(epoch_: float) -> str:
    return dt.datetime.fromtimestamp(epoch_, dt.UTC).strftime("%H:%M UTC")


def _condition(status: str, reason: str, message: str) -> dict[str, Any]:
    return {"type": CONDITION, "status": status, "reason": reason, "message": message}


def summary(policy: CullingPolicy) -> str:
    """The policy in words, for the Active condition."""
    parts = []
    if policy.idle_after:
        parts.append(f"It stops after {spoken(seconds(policy.idle_after))} idle")
    if policy.max_running:
        parts.append(
            ("and" if parts else "It stops") + f" after {spoken(seconds(policy.max_running))} running"
        )
    text = " ".join(parts) + f", with a warning {spoken(policy.warning_seconds())} before."
    if policy.keep_alive:
        text += f" Keep running postpones an idle stop by up to {spoken(seconds(policy.keep_alive))}."
    return text


def _why(reason: str, policy: CullingPolicy) -> str:
    if reason == "Idle":
        return f"after {spoken(seconds(policy.idle_after or '0s'))} idle"
    return f"after {spoken(seconds(policy.max_running or '0s'))} running (the template's maximum)"


def judge(
    policy: CullingPolicy | None,
    now: float,
    *,
    running: bool,
    stopped: bool,
    started: float | None,
    activity: Activity | None,
    keep_request: str | None,
    previous: Mapping[str, Any] | None,
) -> Verdict:
    """The Culling condition, status.culling and whether to stop now.

    `previous` is the notebook's status as last written: a stop this controller made is
    remembered there while the notebook stays stopped, a keep-alive it honoured while it runs.
    """
    old_condition = next(
        (c for c in (previous or {}).get("conditions") or [] if c.get("type") == CONDITION), None
    )
    old_culling = dict((previous or {}).get("culling") or {})
    if not running:
        culled = old_condition is not None and old_condition.get("reason") in STOPPED_REASONS.values()
        if stopped and culled:
            kept = {k: v for k, v in old_culling.items() if k in ("reason", "stopAt")}
            return Verdict(dict(old_condition), kept or None)
        return Verdict(None, None)
    if policy is None:
        return Verdict(None, None)

    culling: dict[str, Any] = {}
    if policy.keep_alive:
        culling["keepAlive"] = policy.keep_alive
    kept_until = old_culling.get("keptUntil")
    answered = old_culling.get("answered")
    try:
        asked = epoch(keep_request) if keep_request else None
    except ValueError:
        asked = now
    # Only a newer request than the one answered: a notebook read from a cache that lags the status
    # written since carries the older request, which must not shorten what was granted.
    if asked is not None and (not answered or asked > epoch(answered)):
        answered = keep_request
        # Honoured from when it is seen, never further than the Template's keepAlive.
        kept_until = stamp(min(asked, now + seconds(policy.keep_alive))) if policy.keep_alive else None
    if answered:
        culling["answered"] = answered
    if kept_until and epoch(kept_until) > now:
        culling["keptUntil"] = kept_until

    candidates: list[tuple[float, str]] = []
    unknown = False
    if policy.idle_after:
        if activity is not None and activity.unknown_since is not None:
            unknown = True
        elif activity is not None and activity.last_active is not None:
            idle_at = activity.last_active + seconds(policy.idle_after)
            if "keptUntil" in culling:
                idle_at = max(idle_at, epoch(culling["keptUntil"]))
            candidates.append((idle_at, "Idle"))
    if policy.max_running and started is not None:
        candidates.append((started + seconds(policy.max_running), "MaxRunning"))

    if candidates:
        at, reason = min(candidates)
        if now >= at - policy.warning_seconds():
            # Never a stop without its warning, the full warning time before: a notebook found long
            # idle (culling just turned on, the controller restarted) is warned first, from now.
            warned = old_condition is not None and old_condition.get("reason") == WARNING_REASONS[reason]
            said = old_culling.get("stopAt") if warned and old_culling.get("reason") == reason else None
            at = max(at, epoch(said) if said else now + policy.warning_seconds())
        if now >= at:
            message = f"Stopped at {_clock(now)} {_why(reason, policy)}."
            return Verdict(
                _condition("True", STOPPED_REASONS[reason], message),
                {"reason": reason, "stopAt": stamp(now)},
                stop=reason,
                message=message,
            )
        if now >= at - policy.warning_seconds():
            how = (
                " Use it, or press Keep running, to keep it."
                if reason == "Idle" and policy.keep_alive
                else " Use it to keep it."
                if reason == "Idle"
                else " Save your work: this stop cannot be postponed."
            )
            message = f"The notebook stops at {_clock(at)} {_why(reason, policy)}.{how}"
            culling.update(stopAt=stamp(at), reason=reason)
            return Verdict(_condition("True", WARNING_REASONS[reason], message), culling)
    if unknown:
        assert activity is not None and activity.unknown_since is not None
        message = (
            f"Activity unknown since {_clock(activity.unknown_since)}: {activity.error}. "
            "A notebook is never stopped for idleness while its activity is unknown."
        )
        return Verdict(_condition("Unknown", "ActivityUnknown", message), culling or None)
    return Verdict(_condition("False", "Active", summary(policy)), culling or None)
