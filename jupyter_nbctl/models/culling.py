"""Culling: when an idle (or long-running) notebook stops itself, and how its owner is warned.

Operations set the policy per Template (`spec.culling`), or for the whole
cluster in the controller's flags; a Template that says `culling` says all of
it, and `culling: {}` turns it off for that Template. Durations are written
as Kubernetes writes them: `90s`, `45m`, `1h30m`.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field

from jupyter_nbctl.models.base import KubeModel
from jupyter_nbctl.models.quantity import Quantity

DURATION_PATTERN = r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?$"
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

Duration = Annotated[str, Field(pattern=DURATION_PATTERN, min_length=2)]

# The Culling condition's reasons, by what they mean to the notebook's owner.
STATES = {
    "Active": "Active",
    "IdleWarning": "Warning",
    "MaxRunningWarning": "Warning",
    "ActivityUnknown": "Unknown",
    "StoppedIdle": "Stopped",
    "StoppedMaxRunning": "Stopped",
}
DEFAULT_WARN_BEFORE = 600
"""Seconds of warning when a policy does not say: ten minutes, at most half the idle time."""


def seconds(duration: str) -> int:
    """`1h30m` -> 5400. Raises ValueError for anything else."""
    match = _DURATION.match(duration)
    if not duration or match is None:
        raise ValueError(f"{duration!r} is not a duration such as 90s, 45m or 1h30m")
    hours, minutes, secs = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + secs


def spoken(total: int) -> str:
    """5400 -> '1 hour 30 minutes': how a message says a duration."""
    parts = []
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count} {unit}{'s' if count != 1 else ''}")
    return " ".join(parts) or "0 seconds"


Activity = Literal["Jupyter", "CPU"]

_ORDERED = [
    {
        "rule": "!has(self.warnBefore) || !has(self.idleAfter)"
        " || duration(self.warnBefore) < duration(self.idleAfter)",
        "message": "warnBefore must be shorter than idleAfter",
    },
    {
        "rule": "!has(self.warnBefore) || !has(self.maxRunning)"
        " || duration(self.warnBefore) < duration(self.maxRunning)",
        "message": "warnBefore must be shorter than maxRunning",
    },
]


class CullingPolicy(KubeModel):
    """When a notebook of this Template stops by itself. Unset fields are off."""

    model_config = {"json_schema_extra": {"x-kubernetes-validations": _ORDERED}}

    idle_after: Duration | None = None
    """Stop a notebook after it has been idle this long; never when unset."""
    warn_before: Duration | None = None
    """How long before a stop its owner is warned (an Event, the Culling condition, the panel);
    ten minutes, at most half of idleAfter, when unset."""
    max_running: Duration | None = None
    """Stop a notebook after it has run this long since its start, busy or not; Keep running does
    not postpone it. No maximum when unset."""
    keep_alive: Duration | None = None
    """How far one "Keep running" of the owner may postpone an idle stop, from the moment the
    controller sees it; owners cannot postpone when unset."""
    activity: Activity = "Jupyter"
    """How activity is read: `Jupyter` (kernels busy or recently used, terminals, a browser at
    work, or CPU use) or `CPU` only, for images that are not Jupyter (code-server, RStudio)."""
    cpu_threshold: Quantity = "50m"
    """CPU use above which the notebook counts as active (a job in a terminal or in the
    background, with no kernel)."""

    @property
    def enabled(self) -> bool:
        return bool(self.idle_after or self.max_running)

    def warning_seconds(self) -> int:
        if self.warn_before:
            return seconds(self.warn_before)
        limits = [seconds(d) for d in (self.idle_after, self.max_running) if d]
        return min([DEFAULT_WARN_BEFORE, *(limit // 2 for limit in limits)])


CullingReason = Literal["Idle", "MaxRunning"]


class CullingStatus(KubeModel):
    """What culling has in store for a notebook, as the controller last judged it."""

    stop_at: str | None = None
    """When the notebook stops unless it is used (RFC 3339); set only once its owner is warned."""
    reason: CullingReason | None = None
    """Why it will stop (or stopped): Idle or MaxRunning."""
    keep_alive: Duration | None = None
    """How far Keep running may postpone an idle stop; unset when the Template offers no keep-alive."""
    kept_until: str | None = None
    """Until when the owner's last Keep running holds off an idle stop (RFC 3339)."""
    answered: str | None = None
    """The spec.keepRunningUntil that keptUntil answers."""
