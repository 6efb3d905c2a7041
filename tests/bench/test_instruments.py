"""The benchmark's instruments read the real thing: /metrics, the audit log, /proc.

`make bench` is never run by CI; these keep its measuring parts honest
against the same control plane the other tests use.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections import Counter

from bench.apiwrites import split, write_counts
from bench.audit import AuditCounter
from bench.process import ProcessProbe
from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from tests.controller.helpers import create, notebook, template, wait_phase


def _limit_range(name: str) -> dict:
    return {"metadata": {"name": name}, "spec": {"limits": [{"type": "Container", "max": {"cpu": "4"}}]}}


def test_write_counts_see_every_write_verb_and_nothing_else(
    cluster: Cluster, admin: Kube, namespace: str
) -> None:
    # Given the API server's write counts
    before = write_counts(cluster.metrics())

    # When admin creates a LimitRange, applies another server-side, deletes the first and reads both
    admin.core.create_namespaced_limit_range(namespace, _limit_range("posted"))
    manifest = {"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "applied"}}
    cluster.kubectl(
        "apply",
        "--server-side",
        "-n",
        namespace,
        "-f",
        "-",
        input=str({**manifest, **_limit_range("applied")}).replace("'", '"'),
    )
    admin.core.delete_namespaced_limit_range("posted", namespace)
    admin.core.list_namespaced_limit_range(namespace)

    # Then exactly those three writes are counted, as writes that are not the controller's kinds
    delta = write_counts(cluster.metrics())
    delta.subtract(before)
    assert delta[("limitranges", "")] == 3
    only_limitranges = Counter({("limitranges", ""): delta[("limitranges", "")]})
    assert split(only_limitranges) == (0, 3, "limitranges 3")
    assert split(Counter({("statefulsets", ""): 2, ("notebooks", "status"): 1})) == (3, 0, "")


def test_the_audit_counter_counts_the_controllers_writes_only(
    cluster: Cluster, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # Given the controller's writes so far
    audit = AuditCounter(cluster.audit_log)
    before = audit.counts()

    # When admin writes, and a new notebook makes the controller write
    admin.core.create_namespaced_limit_range(namespace, _limit_range("admins"))
    create(admin, namespace, template("lab"), notebook("nb", "lab"))
    wait_phase(admin, namespace, "nb", "Running")

    # Then the controller's StatefulSet and status writes are counted, admin's LimitRange is not
    delta = audit.counts()
    delta.subtract(before)
    assert delta["patch statefulsets"] >= 1
    assert delta["patch notebooks/status"] >= 1
    assert not any("limitranges" in what for what in delta)


def test_the_process_probe_sees_memory_and_cpu_of_a_busy_process() -> None:
    # Given a process that holds 64 MiB for a moment, then burns a second of CPU, then rests
    script = textwrap.dedent(
        """
        import sys, time
        sys.stdin.readline()
        block = bytearray(64 * 2**20)
        time.sleep(0.5)
        del block
        end = time.process_time() + 1
        while time.process_time() < end:
            pass
        print("done", flush=True)
        time.sleep(60)
        """
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        probe = ProcessProbe(child.pid)
        probe.mark()
        baseline, cpu = probe.rss(), probe.cpu()

        # When it runs
        assert child.stdin is not None and child.stdout is not None
        child.stdin.write(b"go\n")
        child.stdin.flush()
        assert child.stdout.readline() == b"done\n"
        probe.quiet(window=1.0)

        # Then the peak saw the 64 MiB it no longer holds, and the CPU second it spent
        assert probe.peak() - baseline >= 60
        assert probe.rss() - baseline < 30
        assert probe.cpu() - cpu >= 0.9
        probe.stop()
    finally:
        child.kill()
        child.wait()
