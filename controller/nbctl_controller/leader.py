"""Leader election on a coordination.k8s.io Lease, for two or more replicas.

Every replica watches and keeps its caches warm; only the leader's workers
reconcile, so a standby writes nothing but its attempts to take the lease.
A leader that cannot renew within the lease's duration exits, and its pod
restarts as a standby: the way controller-runtime does it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from jupyter_nbctl.kube.rest import Kind, Kube, KubeError

LEASES = Kind("coordination.k8s.io", "v1", "leases", "Lease")
log = logging.getLogger(__name__)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _micro(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return dt.datetime.strptime(text.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")


class LeaderElector:
    def __init__(
        self,
        kube: Kube,
        namespace: str,
        name: str,
        lease_seconds: int,
        on_lost: Callable[[], None] = lambda: os._exit(1),
    ) -> None:
        self.kube = kube
        self.namespace = namespace
        self.name = name
        self.lease_seconds = lease_seconds
        self.identity = f"{socket.gethostname()}-{os.getpid()}"
        self.leading = asyncio.Event()
        self.on_lost = on_lost

    async def run(self, became_leader: Callable[[], None]) -> None:
        """Try to take or renew the lease every third of its duration, forever."""
        last_renewal = _now()
        while True:
            try:
                held = await asyncio.to_thread(self._try)
            except Exception as err:  # the API server may be unreachable for a moment
                log.warning("leader election: %s", err)
                held = None
            if held:
                last_renewal = _now()
                if not self.leading.is_set():
                    log.info("became leader (%s)", self.identity)
                    self.leading.set()
                    became_leader()
            elif self.leading.is_set() and (held is False or _now() - last_renewal > self._duration):
                log.error(
                    "lost the leadership of %s/%s; exiting to start again as a standby",
                    self.namespace,
                    self.name,
                )
                self.on_lost()
                return
            await asyncio.sleep(self.lease_seconds / 3)

    @property
    def _duration(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.lease_seconds)

    def _try(self) -> bool:
        """True when this replica holds the lease after the call."""
        path = LEASES.path(self.namespace, self.name)
        now = _now()
        try:
            lease: dict[str, Any] = self.kube.request("GET", path)
        except KubeError as err:
            if not err.not_found:
                raise
            body = {
                "apiVersion": "coordination.k8s.io/v1",
                "kind": "Lease",
                "metadata": {"name": self.name, "namespace": self.namespace},
                "spec": self._spec(now, now, 0),
            }
            try:
                self.kube.request("POST", LEASES.path(self.namespace), body=body)
            except KubeError as conflict:
                if conflict.conflict:
                    return False
                raise
            return True
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity")
        renewed = _parse(spec.get("renewTime"))
        expired = renewed is None or now - renewed > dt.timedelta(seconds=spec.get("leaseDurationSeconds", 0))
        if holder != self.identity and not expired:
            return False
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if holder == self.identity else 1)
        acquired = spec.get("acquireTime") if holder == self.identity else _micro(now)
        lease["spec"] = self._spec(_parse(acquired) or now, now, transitions)
        try:
            # The resourceVersion in the body makes this a compare-and-swap.
            self.kube.request("PUT", path, body=lease)
        except KubeError as conflict:
            if conflict.conflict:
                return False
            raise
        return True

    def _spec(self, acquired: dt.datetime, renewed: dt.datetime, transitions: int) -> dict[str, Any]:
        return {
            "holderIdentity": self.identity,
            "leaseDurationSeconds": self.lease_seconds,
            "acquireTime": _micro(acquired),
            "renewTime": _micro(renewed),
            "leaseTransitions": transitions,
        }
