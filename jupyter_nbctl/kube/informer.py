"""A cache of one kind, filled by list+watch, with a server-side label selector.

The controller watches its own children this way (kopf's `labels=` filters
run in the client, after the whole stream has arrived); the extension
watches the notebooks of its namespace. Each informer keeps slim copies (no
managedFields, only what its reader needs) and calls back with the old and
new copy of every object that changed. A watch runs in a thread of its own,
with the blocking client.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from jupyter_nbctl.kube.rest import Kind, Kube, KubeError

Key = tuple[str, str]
Slim = Callable[[dict[str, Any]], dict[str, Any]]

log = logging.getLogger(__name__)


def _key(obj: dict[str, Any]) -> Key:
    meta = obj["metadata"]
    return meta.get("namespace", ""), meta["name"]


def _rv(obj: dict[str, Any] | None) -> int:
    try:
        return int(obj["metadata"]["resourceVersion"]) if obj else -1
    except (KeyError, ValueError, TypeError):
        return -1


def slim_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    keep = (
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "labels",
        "annotations",
        "ownerReferences",
        "deletionTimestamp",
    )
    return {k: meta[k] for k in keep if k in meta}


class Informer:
    """One kind, listed then watched, kept in memory."""

    def __init__(
        self,
        kube: Kube,
        kind: Kind,
        on_change: Callable[[dict[str, Any] | None, dict[str, Any] | None], None],
        slim: Slim,
        selector: str | None = None,
        namespace: str | None = None,
    ) -> None:
        self.kube = kube
        self.kind = kind
        self.slim = slim
        self.selector = selector
        self.namespace = namespace
        self.on_change = on_change
        self.synced = threading.Event()
        self._store: dict[Key, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"informer-{kind.plural}", daemon=True)

    # -- reading

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        with self._lock:
            return self._store.get((namespace, name))

    def items(self, namespace: str | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [v for (ns, _), v in self._store.items() if namespace is None or ns == namespace]

    def __len__(self) -> int:
        return len(self._store)

    # -- writing through: what the controller itself just wrote

    def remember(self, obj: dict[str, Any]) -> None:
        """Store the server's answer to our own write, unless the watch already has newer."""
        slim = self.slim(obj)
        key = _key(obj)
        with self._lock:
            if _rv(self._store.get(key)) < _rv(slim):
                self._store[key] = slim

    def forget(self, namespace: str, name: str) -> None:
        """Drop an object the caller just deleted; the watch confirms it soon."""
        with self._lock:
            self._store.pop((namespace, name), None)

    # -- running

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        delay = 0.5
        while not self._stop.is_set():
            try:
                version = self._relist()
                self.synced.set()
                delay = 0.5
                while not self._stop.is_set():
                    version = self._watch(version)
                    if version is None:
                        break  # expired: list again
            except Exception as err:
                if self._stop.is_set():
                    return
                log.warning("watch of %s failed, retrying in %.1fs: %s", self.kind.plural, delay, err)
                time.sleep(delay)
                delay = min(delay * 2, 30)

    def _relist(self) -> str:
        items, version = self.kube.list(self.kind, self.namespace, label_selector=self.selector)
        fresh = {_key(item): self.slim(item) for item in items}
        with self._lock:
            old, self._store = self._store, fresh
        for key in old.keys() | fresh.keys():
            if old.get(key) != fresh.get(key):
                self.on_change(old.get(key), fresh.get(key))
        return version

    def _watch(self, version: str) -> str | None:
        try:
            for event in self.kube.watch(self.kind, version, self.selector, namespace=self.namespace):
                kind, obj = event["type"], event["object"]
                if kind == "ERROR":
                    if obj.get("code") == 410:
                        return None
                    raise KubeError(obj.get("code", 0), obj.get("reason", ""), obj.get("message", ""))
                version = obj["metadata"]["resourceVersion"]
                if kind == "BOOKMARK":
                    continue
                key = _key(obj)
                with self._lock:
                    old = self._store.get(key)
                    new = None if kind == "DELETED" else self.slim(obj)
                    if new is None:
                        self._store.pop(key, None)
                    else:
                        self._store[key] = new
                self.on_change(old, new)
                if self._stop.is_set():
                    break
        except KubeError as err:
            if err.status == 410:
                return None
            raise
        return version
