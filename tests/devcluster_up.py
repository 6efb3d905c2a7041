"""`python -m devcluster up` in a child process, as a person runs it, for the teardown tests."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from devcluster.cluster import REPO


def start_up(*flags: str) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """Start a cluster in its own session; returns the process and its "ready" line."""
    up = subprocess.Popen(
        [sys.executable, "-m", "devcluster", "up", *flags],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    assert up.stdout is not None
    ready = next((json.loads(line) for line in up.stdout if line.startswith("{")), None)
    if not ready or ready.get("event") != "ready":
        up.kill()
        raise AssertionError("the cluster did not come up")
    return up, ready
