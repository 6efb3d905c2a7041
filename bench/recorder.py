"""When each object first met a condition, seen through a watch on the bench's clock.

Latencies come from here, not from the controller's log: a Recorder lists
and watches one kind (by label where the kind is shared), and notes the
monotonic time at which each object first satisfied its condition.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from jupyter_nbctl.kube.informer import Informer
from jupyter_nbctl.kube.rest import Kind, Kube

Key = tuple[str, str]
Condition = Callable[[dict[str, Any]], bool]
KeyOf = Callable[[dict[str, Any]], Key | None]


def by_name(obj: dict[str, Any]) -> Key:
    return obj["metadata"]["namespace"], obj["metadata"]["name"]


class Recorder:
    """One kind, watched; for each key, whether it meets `condition` and since when."""

    def __init__(
        self,
        kube: Kube,
        kind: Kind,
        condition: Condition,
        key: KeyOf = by_name,
        selector: str | None = None,
        keep: Callable[[dict[str, Any]], Any] | None = None,
    ) -> None:
        self.condition = condition
        self.key = key
        self.keep = keep
        self.first: dict[Key, float] = {}  # first time the condition held
        self.meets: set[Key] = set()  # holds now
        self.kept: dict[Key, Any] = {}  # what `keep` took from the latest copy
        self._changed = threading.Condition()
        self.informer = Informer(kube, kind, self._on_change, self._slim, selector)
        self.informer.start()
        if not self.informer.synced.wait(120):
            raise TimeoutError(f"the bench's watch of {kind.plural} did not sync")

    def _slim(self, obj: dict[str, Any]) -> dict[str, Any]:
        # The informer keeps only this: the verdict, not thousands of copies.
        meta = obj["metadata"]
        return {
            "metadata": {k: meta[k] for k in ("name", "namespace", "resourceVersion") if k in meta},
            "key": self.key(obj),
            "meets": self.condition(obj),
            "kept": self.keep(obj) if self.keep else None,
        }

    def _on_change(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        now = time.monotonic()
        key = (new or old or {}).get("key")
        if key is None:
            return
        with self._changed:
            if new is not None and new["meets"]:
                self.meets.add(key)
                self.first.setdefault(key, now)
            else:
                self.meets.discard(key)
            if new is None:
                self.kept.pop(key, None)
            elif self.keep is not None:
                self.kept[key] = new["kept"]
            self._changed.notify_all()

    def count(self, keys: set[Key] | None = None) -> int:
        with self._changed:
            return len(self.meets if keys is None else self.meets & keys)

    def wait(self, keys: set[Key], timeout: float, what: str) -> float:
        """Wait until every key meets the condition; returns the monotonic time it happened."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not keys <= self.meets:
                left = deadline - time.monotonic()
                if left <= 0:
                    missing = len(keys - self.meets)
                    raise TimeoutError(f"{what}: {missing} of {len(keys)} not yet after {timeout:.0f}s")
                self._changed.wait(min(left, 1.0))
            return max(self.first.get(k, 0.0) for k in keys) if keys else time.monotonic()

    def stop(self) -> None:
        self.informer.stop()
