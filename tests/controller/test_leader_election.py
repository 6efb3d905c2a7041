"""Two replicas, one leader: when the leader dies, the other takes over.

Both run with --leader-elect and a short lease. The leader is killed with
SIGKILL (no chance to hand over); a notebook created meanwhile still becomes
Running, reconciled by the replica that took the lease.
"""

from __future__ import annotations

import time

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from tests.controller.helpers import create, notebook, template, wait_phase
from tests.eventually import eventually

ARGS = ["--leader-elect", "--lease-duration=4", "--lease-namespace=nbctl-system"]


def _leaders(replicas: list[ControllerProcess]) -> list[ControllerProcess]:
    return [r for r in replicas if "became leader" in r.logs()]


def test_a_standby_takes_over_when_the_leader_dies(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    controller.stop()
    replicas = [ControllerProcess(controller.cluster, args=ARGS) for _ in range(2)]
    try:
        for replica in replicas:
            replica.start()
        [leader] = eventually(
            lambda: _leaders(replicas), lambda found: len(found) == 1, timeout=30, what="one leader"
        )
        [standby] = [r for r in replicas if r is not leader]
        create(admin, namespace, template("lab"), notebook("before", "lab"))
        wait_phase(admin, namespace, "before", "Running")
        time.sleep(2)
        assert "became leader" not in standby.logs()

        assert leader.process is not None
        leader.process.kill()
        create(admin, namespace, notebook("after", "lab"))

        eventually(
            lambda: "became leader" in standby.logs(), timeout=30, what="the standby to take the lease"
        )
        wait_phase(admin, namespace, "after", "Running", timeout=60)
    finally:
        for replica in replicas:
            replica.stop()
        controller.start()
