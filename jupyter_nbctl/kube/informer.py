"""A cache of one kind, filled by list+watch, with a server-side label selector.

The controller watches its own children this way (kopf's `labels=` filters
run in the client, after the whole stream has arrived); the extension
watches the notebooks of its namespace. Each informer keeps slim copies (no
managedFields, only what its reader needs) and calls back with the old and
new copy of every object that changed. A watch runs in a thread of its own,
with the blocking client.

At thousands of objects the copies are most of a process's memory, so each
is compacted: the keys and short values every object repeats (field names,
labels, phases, reasons) are shared, not stored once per object.
"""

from __future__ import annotations

import logging
import sys
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


def slim_metadata(
    obj: dict[str, Any],
    keep: tuple[str, ...] = (
        "name",
        "namespace",
        "uid",
        "resourceVersion",
        "generation",
        "labels",
        "annotations",
        "ownerReferences",
        "deletionTimestamp",
    ),
) -> dict[str, Any]:
    meta = obj["metadata"]
    return {k: meta[k] for k in keep if k in meta}


# Strings up to this long are shared between copies: names of fields, labels, phases, reasons,
# timestamps. Longer ones (messages, hashes of content) are rarely repeated.
_SHARED_LENGTH = 64


def compact(value: Any) -> Any:
    """A copy in which repeated strings are shared (interned) rather than stored once per object."""
    if isinstance(value, dict):
        return {sys.intern(k): compact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [compact(v) for v in value]
    if isinstance(value, str) and len(value) <= _SHARED_LENGTH:
        return sys.intern(value)
    return value


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

    def keys(self, namespace: str | None = None) -> list[Key]:
        with self._lock:
            return [key for key in self._store if namespace is None or key[0] == namespace]

    def __len__(self) -> int:
        return len(self._store)

    def _copy(self, obj: dict[str, Any]) -> dict[str, Any]:
        """What is kept of an object: its reader's slim copy, compacted."""
        return compact(self.slim(obj))  # type: ignore[no-any-return]

    # -- writing through: what the controller itself just wrote

    def remember(self, obj: dict[str, Any]) -> None:
        """Store the server's answer to our own write, unless the watch already has newer."""
        slim = self._copy(obj)
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
        fresh: dict[Key, dict[str, Any]] = {}
        version = ""
        # Page by page: thousands of whole objects at once would be the process's peak memory.
        for items, page_version in self.kube.pages(self.kind, self.namespace, label_selector=self.selector):
            version = page_version
            for item in items:
                fresh[_key(item)] = self._copy(item)
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
                    new = None if kind == "DELETED" else self._copy(obj)
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


class InformerGroup:
    """One informer per namespace, read as one: for a controller told to watch only some namespaces."""

    def __init__(self, informers: dict[str, Informer]) -> None:
        self._by_namespace = informers
        self.synced = _AllSet([i.synced for i in informers.values()])

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        informer = self._by_namespace.get(namespace)
        return informer.get(namespace, name) if informer else None

    def items(self, namespace: str | None = None) -> list[dict[str, Any]]:
        return [v for ns, i in self._by_namespace.items() if namespace in (None, ns) for v in i.items(ns)]

    def keys(self, namespace: str | None = None) -> list[Key]:
        return [k for ns, i in self._by_namespace.items() if namespace in (None, ns) for k in i.keys(ns)]

    def remember(self, obj: dict[str, Any]) -> None:
        informer = self._by_namespace.get(obj["metadata"].get("namespace", ""))
        if informer is not None:
            informer.remember(obj)

    def forget(self, namespace: str, name: str) -> None:
        informer = self._by_namespace.get(namespace)
        if informer is not None:
            informer.forget(namespace, name)

    def start(self) -> None:
        for informer in self._by_namespace.values():
            informer.start()

    def stop(self) -> None:
        for informer in self._by_namespace.values():
            informer.stop()

    def __len__(self) -> int:
        return sum(len(i) for i in self._by_namespace.values())


class _AllSet:
    """Waits for several threading.Events as if they were one."""

    def __init__(self, events: list[threading.Event]) -> None:
        self._events = events

    def is_set(self) -> bool:
        return all(e.is_set() for e in self._events)

    def wait(self, timeout: float | None = None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        for event in self._events:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not event.wait(left):
                return False
        return True


Cache = Informer | InformerGroup


def informer(
    kube: Kube,
    kind: Kind,
    on_change: Callable[[dict[str, Any] | None, dict[str, Any] | None], None],
    slim: Slim,
    selector: str | None = None,
    namespaces: tuple[str, ...] = (),
) -> Cache:
    """One cluster-wide informer, or one per namespace when only some are watched."""
    if not namespaces:
        return Informer(kube, kind, on_change, slim, selector)
    return InformerGroup({ns: Informer(kube, kind, on_change, slim, selector, ns) for ns in namespaces})
