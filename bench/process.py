"""Resident memory and CPU time of one process, read from /proc while it runs."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


class ProcessProbe:
    """Samples a process's resident memory in a thread; reads its CPU time on demand.

    The peak is the larger of the sampled maximum and the kernel's own high-water
    mark (VmHWM), which `mark()` resets, so a spike between samples still counts.
    """

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid = pid
        self.interval = interval
        self._peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"probe-{pid}", daemon=True)
        self._thread.start()

    def _status(self, field: str) -> float:
        """A `Vm*` line of /proc/<pid>/status, in MiB (0 once the process is gone)."""
        try:
            for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024
        except (OSError, ValueError):
            pass
        return 0.0

    def rss(self) -> float:
        """Resident memory now, MiB."""
        return self._status("VmRSS")

    def cpu(self) -> float:
        """User and system CPU seconds of every thread so far."""
        try:
            fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / TICKS

    def mark(self) -> None:
        """Start a new peak from now."""
        # Where the kernel refuses, the sampled maximum still holds.
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        self._peak = self.rss()

    def peak(self) -> float:
        """The highest resident memory since the last mark, MiB."""
        return max(self._peak, self._status("VmHWM"))

    def quiet(self, window: float = 3.0, share: float = 0.02, timeout: float = 600) -> float:
        """Wait until the process uses under `share` of a core for `window` seconds; returns when it began."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            began, cpu = time.monotonic(), self.cpu()
            time.sleep(window)
            if self.cpu() - cpu <= share * window:
                return began
        raise TimeoutError(f"process {self.pid} stayed busy for {timeout:.0f}s")

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._peak = max(self._peak, self.rss())
