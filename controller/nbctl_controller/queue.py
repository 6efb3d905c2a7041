"""A work queue of notebook keys: each key once, never two workers on one key.

Like client-go's workqueue: adding a key that waits is a no-op, adding one
that is being worked on marks it to run again afterwards, and failures come
back after a growing delay. Unlike it, a key may be added as urgent: what a
person just asked for (a new notebook, a start, a stop, a resize) goes ahead
of the bookkeeping that children's changes cause, so a burst of creates does
not wait behind the status updates of the notebooks before it.
"""

from __future__ import annotations

import asyncio
from collections import deque

Key = tuple[str, str]


class WorkQueue:
    def __init__(self, base_delay: float = 0.5, max_delay: float = 300.0) -> None:
        self._urgent: deque[Key] = deque()
        self._normal: deque[Key] = deque()
        self._available = asyncio.Semaphore(0)  # one per waiting key
        self._waiting: set[Key] = set()
        self._processing: set[Key] = set()
        self._dirty: dict[Key, bool] = {}  # key -> urgent, for keys re-added while processed
        self._failures: dict[Key, int] = {}
        self._base = base_delay
        self._max = max_delay
        self.closed = False

    def add(self, key: Key, urgent: bool = False) -> None:
        if key in self._processing:
            self._dirty[key] = self._dirty.get(key, False) or urgent
        elif key not in self._waiting:
            self._waiting.add(key)
            (self._urgent if urgent else self._normal).append(key)
            self._available.release()
        elif urgent and key in self._normal:
            # Rare (a person acts on a notebook whose bookkeeping waits): a linear scan is fine.
            self._normal.remove(key)
            self._urgent.append(key)

    def add_after(self, key: Key, delay: float) -> None:
        asyncio.get_running_loop().call_later(delay, self.add, key)

    async def get(self) -> Key:
        await self._available.acquire()
        key = self._urgent.popleft() if self._urgent else self._normal.popleft()
        self._waiting.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: Key) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self.add(key, self._dirty.pop(key))

    def retry(self, key: Key) -> float:
        """Schedule the key again after its next back-off delay; returns the delay."""
        failures = self._failures.get(key, 0)
        self._failures[key] = failures + 1
        delay = min(self._base * 2**failures, self._max)
        self.add_after(key, delay)
        return delay

    def forget(self, key: Key) -> None:
        self._failures.pop(key, None)

    def close(self) -> None:
        """Hand out no more work (shutdown); what is in flight may finish."""
        self.closed = True

    @property
    def in_flight(self) -> int:
        return len(self._processing)

    def __len__(self) -> int:
        return len(self._waiting) + len(self._processing)
