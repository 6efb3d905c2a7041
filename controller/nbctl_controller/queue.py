"""A work queue of notebook keys: each key once, never two workers on one key.

Like client-go's workqueue: adding a key that waits is a no-op, adding one
that is being worked on marks it to run again afterwards, and failures come
back after a growing delay.
"""

from __future__ import annotations

import asyncio

Key = tuple[str, str]


class WorkQueue:
    def __init__(self, base_delay: float = 0.5, max_delay: float = 300.0) -> None:
        self._queue: asyncio.Queue[Key] = asyncio.Queue()
        self._waiting: set[Key] = set()
        self._processing: set[Key] = set()
        self._dirty: set[Key] = set()
        self._failures: dict[Key, int] = {}
        self._base = base_delay
        self._max = max_delay
        self.closed = False

    def add(self, key: Key) -> None:
        if key in self._processing:
            self._dirty.add(key)
        elif key not in self._waiting:
            self._waiting.add(key)
            self._queue.put_nowait(key)

    def add_after(self, key: Key, delay: float) -> None:
        asyncio.get_running_loop().call_later(delay, self.add, key)

    async def get(self) -> Key:
        key = await self._queue.get()
        self._waiting.discard(key)
        self._processing.add(key)
        return key

    def done(self, key: Key) -> None:
        self._processing.discard(key)
        if key in self._dirty:
            self._dirty.discard(key)
            self.add(key)

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
