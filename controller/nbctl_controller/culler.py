"""The culler's view of a notebook from the caches: its policy, its verdict, whether its status lags.

The reconciler asks it for the Culling condition, status.culling and whether
to stop; the prober asks whether a notebook's status lags its verdict, so
that a round of probes wakes only the notebooks whose state changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

from jupyter_nbctl.models.culling import CullingPolicy
from nbctl_controller.culling import CONDITION, Activity, Verdict, epoch, judge, policy_of
from nbctl_controller.indexes import one
from nbctl_controller.names import pod_name

Key = tuple[str, str]


def pod_ready(pod: Mapping[str, Any] | None) -> bool:
    conditions = ((pod or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


class Culler:
    def __init__(
        self,
        caches: Any,
        default: CullingPolicy | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.caches = caches
        self.default = default
        self.clock = clock
        self.activity: dict[Key, Activity] = {}
        # Validated policies by template and resourceVersion: judged for every notebook each round.
        self._policies: dict[tuple[Any, ...], CullingPolicy | None] = {}

    def policy(self, body: Mapping[str, Any]) -> CullingPolicy | None:
        ref = (body.get("spec") or {}).get("templateRef") or {}
        key = (ref.get("namespace") or body["metadata"]["namespace"], ref.get("name", ""))
        template = one(self.caches.templates, key)
        memo = (*key, (template or {}).get("metadata", {}).get("resourceVersion"))
        if memo not in self._policies:
            if len(self._policies) >= 256:
                self._policies.clear()
            try:
                self._policies[memo] = policy_of(template, self.default)
            except ValueError:  # the API server checks it; an older Template may still say nonsense
                self._policies[memo] = None
        return self._policies[memo]

    def verdict(
        self, body: Mapping[str, Any], pod: Mapping[str, Any] | None, previous: Mapping[str, Any] | None
    ) -> Verdict:
        meta, spec = body["metadata"], body.get("spec") or {}
        key = (meta["namespace"], meta["name"])
        running = not spec.get("stopped") and pod is not None and pod_ready(pod)
        started = ((pod or {}).get("status") or {}).get("startTime")
        activity = self.activity.get(key)
        if activity is not None and pod is not None and activity.pod_uid != pod["metadata"].get("uid"):
            activity = None  # what the probes saw of an earlier pod
        return judge(
            self.policy(body) if running else None,
            self.clock(),
            running=running,
            stopped=bool(spec.get("stopped")),
            started=epoch(started) if started else None,
            activity=activity,
            keep_request=spec.get("keepRunningUntil"),
            previous=previous,
        )

    def stale(self, key: Key) -> bool:
        """Whether the notebook's status lags what culling says of it now."""
        body = self.caches.notebooks.get(*key)
        if body is None:
            return False
        pod = self.caches.pods.get(key[0], pod_name(key[1]))
        status = body.get("status") or {}
        verdict = self.verdict(body, pod, status)
        if verdict.stop:
            return True
        old = next((c for c in status.get("conditions") or [] if c.get("type") == CONDITION), None)
        said = None if old is None else {k: old.get(k) for k in ("type", "status", "reason", "message")}
        return said != verdict.condition or (status.get("culling") or None) != verdict.culling
