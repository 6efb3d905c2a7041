"""Stopping a cluster at any point leaves no process and no directory behind.

Each case starts its own cluster in a child Python (as `make demo` does), then
stops it the way a person or CI would: Ctrl-C, a TERM, or a KILL that gives
Python no chance to clean up.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from devcluster.cluster import _sweep_stale_workdirs
from tests.devcluster_up import start_up
from tests.eventually import eventually


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone in all but name; its parent has not reaped it yet.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize(
    "how", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "term", "kill"]
)
def test_a_stopped_cluster_leaves_no_process_and_no_directory(how: signal.Signals) -> None:
    up, ready = start_up()
    try:
        workdir = Path(ready["workdir"])
        components = [p for p in _children(up.pid) if not _is_reaper(p)]
        assert len(components) == 5, "etcd, apiserver, controller manager, scheduler and kwok"

        up.send_signal(how)
        up.wait(60)

        eventually(
            lambda: [p for p in components if _alive(p)],
            lambda left: left == [],
            timeout=15,
            what="every component to exit",
        )
        eventually(workdir.exists, lambda exists: not exists, timeout=15, what=f"{workdir} to be removed")
    finally:
        if up.poll() is None:
            up.kill()


def _is_reaper(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"sh\0")
    except OSError:
        return False


def test_stale_directories_of_dead_runs_are_swept_at_start() -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    stale = Path(tempfile.gettempdir()) / f"nbctl-cluster-{dead.pid}-test"
    stale.mkdir()
    mine = Path(tempfile.gettempdir()) / f"nbctl-cluster-{os.getpid()}-test"
    mine.mkdir()
    try:
        _sweep_stale_workdirs()
        assert not stale.exists()
        assert mine.exists()
    finally:
        for path in (stale, mine):
            if path.exists():
                path.rmdir()
