"""Waiting for a cluster to reach a state, with a message that says what it saw."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(
    probe: Callable[[], T],
    until: Callable[[T], bool] = bool,
    *,
    timeout: float = 60,
    interval: float = 0.25,
    what: str = "the condition",
) -> T:
    """Call probe until `until(result)` holds; return that result.

    Fails the test with the last value seen (or the last error) on timeout.
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = probe()
            if until(value):
                return value
            last = value
        except Exception as err:  # the API may not have the object yet
            last = err
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}; last saw: {last!r}")
        time.sleep(interval)
