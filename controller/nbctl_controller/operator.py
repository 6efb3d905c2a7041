"""kopf wiring: indexes, events and informers feed a work queue; workers reconcile.

kopf runs the operator (start-up, login, shutdown, health) and keeps
Templates, PodDefaults and Namespaces in indexes. Only `@kopf.index` and
`@kopf.on.event` handlers are used, so kopf writes nothing on anyone's
objects and adds no finalizer. Notebooks are not kopf's: at start-up kopf
runs one task per object and a barrier whose every step wakes every waiting
task, which cost 141 CPU seconds and 400 MiB at 5,000 notebooks
(docs/benchmarks.md). They come from a paged list+watch of our own, like the
children. The workers begin once kopf has filled its indexes (it calls event
handlers only then) and the informers are synced, so no notebook is judged
against a half-read cache. Templates and PodDefaults reach the notebooks
that use them through indexes, never a scan.
"""

from __future__ import annotations

import asyncio
import copy
import gc
import logging
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kopf
from nbctl_guard.tickets import ACCESS_SECRET_PREFIX, SECRET_KEY

from jupyter_nbctl.kube.connection import Connection, Credentials, from_kubeconfig, in_cluster
from jupyter_nbctl.kube.informer import compact, informer, slim_metadata
from jupyter_nbctl.kube.rest import (
    CLAIMS,
    CONFIGMAPS,
    HTTPROUTES,
    NODES,
    NOTEBOOKS,
    PODS,
    REVISIONS,
    ROLEBINDINGS,
    ROLES,
    SECRETS,
    SERVICES,
    STATEFULSETS,
    STORAGECLASSES,
    VIRTUALSERVICES,
    Kube,
    KubeError,
)
from jupyter_nbctl.models import GROUP, VERSION
from nbctl_controller import metrics
from nbctl_controller.activity import Kubelets, Prober
from nbctl_controller.children import DRIFT_KEY, controlling_ref, drifted
from nbctl_controller.config import Settings
from nbctl_controller.culler import Culler
from nbctl_controller.guard import GUARD_IMAGE_KEY, guard_image
from nbctl_controller.leader import LeaderElector
from nbctl_controller.names import (
    DEFAULT_CLASS_ANNOTATION,
    FIELD_MANAGER,
    MANAGED_BY,
    NOTEBOOK_LABEL,
    SELECTOR,
)
from nbctl_controller.queue import WorkQueue
from nbctl_controller.reconcile import Caches, Reconciler

log = logging.getLogger("nbctl_controller")
Key = tuple[str, str]

# ----------------------------------------------------------------- slimming


def _plain(value: Any) -> Any:
    return copy.deepcopy(dict(value)) if value is not None else {}


def _slim_spec(body: kopf.Body) -> dict[str, Any]:
    return compact({"metadata": slim_metadata(_plain(body)), "spec": _plain(body.get("spec"))})


OUR_PREFIX = f"{GROUP}/"  # our labels and annotations: jackhoman.dev/...
_NOTEBOOK_META = ("name", "namespace", "uid", "resourceVersion", "generation", "deletionTimestamp")
_CHILD_META = ("name", "namespace", "uid", "resourceVersion", "deletionTimestamp")


def _slim_notebook(obj: dict[str, Any]) -> dict[str, Any]:
    # Users' labels and annotations (a kubectl last-applied copy, say) are not read: not kept.
    return {
        "metadata": slim_metadata(obj, _NOTEBOOK_META),
        "spec": obj.get("spec") or {},
        "status": obj.get("status") or {},
    }


def _child_metadata(obj: dict[str, Any]) -> dict[str, Any]:
    """What the reconciler reads of a child: its name, whose it is, and our own labels and annotations."""
    meta = slim_metadata(obj, _CHILD_META)
    for field in ("labels", "annotations"):
        ours = {
            k: v
            for k, v in (obj["metadata"].get(field) or {}).items()
            if k.startswith(OUR_PREFIX) or k == MANAGED_BY
        }
        if ours:
            meta[field] = ours
    owner = controlling_ref(obj["metadata"])
    if owner:
        meta["ownerReferences"] = owner
    return meta


def _slim_written(obj: dict[str, Any], slim: dict[str, Any]) -> dict[str, Any]:
    """A child the controller applies: whether someone else wrote it since (see children.drifted)."""
    mark = drifted(obj["metadata"])
    if mark is not None:
        slim[DRIFT_KEY] = mark
    return slim


def _slim_statefulset(obj: dict[str, Any]) -> dict[str, Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    return _slim_written(
        obj,
        {
            GUARD_IMAGE_KEY: guard_image(spec.get("template") or {}),
            "metadata": _child_metadata(obj),
            "spec": {"replicas": spec.get("replicas"), "template": {"metadata": {"labels": template_labels}}},
            "status": {
                k: status[k]
                for k in (
                    "replicas",
                    "readyReplicas",
                    "currentRevision",
                    "updateRevision",
                    "observedGeneration",
                )
                if k in status
            },
        },
    )


def _slim_pod(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status") or {}
    return {
        "metadata": _child_metadata(obj),
        # Where culling's probes reach it, and since when it runs.
        "spec": {"nodeName": (obj.get("spec") or {}).get("nodeName")},
        "status": {
            "phase": status.get("phase"),
            "podIP": status.get("podIP"),
            "startTime": status.get("startTime"),
            "conditions": [
                {k: c.get(k) for k in ("type", "status", "reason", "message")}
                for c in status.get("conditions") or []
            ],
            **{
                # The guard and the port lock are init containers: their troubles are the notebook's too.
                which: [
                    {k: c.get(k) for k in ("name", "image", "ready", "restartCount", "state")}
                    for c in status.get(which) or []
                ]
                for which in ("initContainerStatuses", "containerStatuses")
            },
        },
    }


def _slim_claim(obj: dict[str, Any]) -> dict[str, Any]:
    meta = _child_metadata(obj)
    for field in ("uid", "ownerReferences"):
        if field in obj["metadata"]:
            meta[field] = obj["metadata"][field]
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    return {
        "metadata": meta,
        "spec": {k: spec[k] for k in ("accessModes", "storageClassName", "resources") if k in spec},
        "status": {
            **{k: status[k] for k in ("phase", "capacity") if k in status},
            "conditions": [{"type": c.get("type")} for c in status.get("conditions") or []],
        },
    }


def _slim_storageclass(obj: dict[str, Any]) -> dict[str, Any]:
    annotations = obj["metadata"].get("annotations") or {}
    meta: dict[str, Any] = {"name": obj["metadata"]["name"]}
    if DEFAULT_CLASS_ANNOTATION in annotations:
        meta["annotations"] = {DEFAULT_CLASS_ANNOTATION: annotations[DEFAULT_CLASS_ANNOTATION]}
    return {"metadata": meta, "allowVolumeExpansion": bool(obj.get("allowVolumeExpansion"))}


def _slim_revision(obj: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": slim_metadata(obj), "spec": obj.get("spec") or {}}


def _slim_meta(obj: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": slim_metadata(obj)}


def _slim_secret(obj: dict[str, Any]) -> dict[str, Any]:
    slim = _slim_meta(obj)
    # A notebook's key (32 bytes): culling's probes sign their tokens with it.
    if obj["metadata"]["name"].startswith(ACCESS_SECRET_PREFIX) and SECRET_KEY in (obj.get("data") or {}):
        slim["data"] = {SECRET_KEY: obj["data"][SECRET_KEY]}
    return slim


def _slim_child(obj: dict[str, Any]) -> dict[str, Any]:
    return _slim_written(obj, {"metadata": _child_metadata(obj)})


# ------------------------------------------------------------------ indexes


@kopf.index(GROUP, VERSION, "templates")
async def templates(namespace: str, name: str, body: kopf.Body, **_: Any) -> dict[Key, Any]:
    return {(namespace, name): _slim_spec(body)}


@kopf.index(GROUP, VERSION, "templates")
async def templates_by_poddefault(namespace: str, name: str, spec: kopf.Spec, **_: Any) -> dict[Key, Key]:
    refs = [r.get("name") for r in (spec.get("required") or []) + (spec.get("configurations") or [])]
    return {(namespace, ref): (namespace, name) for ref in refs if ref}


@kopf.index(GROUP, VERSION, "poddefaults")
async def poddefaults(namespace: str, name: str, body: kopf.Body, **_: Any) -> dict[Key, Any]:
    return {(namespace, name): _slim_spec(body)}


@kopf.index("", "v1", "namespaces")
async def namespaces(
    name: str, labels: kopf.Labels, status: kopf.Status, **_: Any
) -> dict[str, dict[str, Any]]:
    return {name: {"labels": dict(labels), "terminating": status.get("phase") == "Terminating"}}


# ------------------------------------------------------------------- events


def _indexes_filled(memo: kopf.Memo) -> None:
    """kopf calls event handlers only once every index is filled: the workers may begin."""
    if not memo.indexed.is_set():
        memo.indexed.set()
        log.info("caches filled: %d notebooks", len(memo.reconciler.caches.notebooks))


class TemplateUsers:
    """Which notebooks use each Template: kept from the notebooks' watch, read when a Template changes."""

    def __init__(self) -> None:
        self._users: dict[Key, set[Key]] = {}

    @staticmethod
    def template_of(body: dict[str, Any]) -> Key:
        ref = (body.get("spec") or {}).get("templateRef") or {}
        return ref.get("namespace") or body["metadata"]["namespace"], ref.get("name", "")

    def changed(self, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        body = new or old
        assert body is not None
        key = (body["metadata"]["namespace"], body["metadata"]["name"])
        if old is not None:
            template = self.template_of(old)
            users = self._users.get(template)
            if users is not None:
                users.discard(key)
                if not users:
                    del self._users[template]
        if new is not None:
            self._users.setdefault(self.template_of(new), set()).add(key)

    def of(self, template: Key) -> list[Key]:
        return list(self._users.get(template, ()))


@kopf.on.event(GROUP, VERSION, "templates")
async def template_changed(namespace: str, name: str, memo: kopf.Memo, **_: Any) -> None:
    _indexes_filled(memo)
    for key in memo.template_users.of((namespace, name)):
        memo.queue.add(key)


@kopf.on.event(GROUP, VERSION, "poddefaults")
async def poddefault_changed(
    namespace: str,
    name: str,
    memo: kopf.Memo,
    templates_by_poddefault: kopf.Index[Key, Key],
    **_: Any,
) -> None:
    _indexes_filled(memo)
    for template in templates_by_poddefault.get((namespace, name), []):
        for key in memo.template_users.of(template):
            memo.queue.add(key)


@kopf.on.event("", "v1", "namespaces")
async def namespace_changed(name: str, memo: kopf.Memo, **_: Any) -> None:
    _indexes_filled(memo)
    # Namespace labels decide which Templates a namespace may use.
    for key in memo.reconciler.caches.notebooks.keys(name):
        memo.queue.add(key)


# ------------------------------------------------------------ start and stop


def credentials(settings: Settings) -> Credentials:
    """From --kubeconfig ($KUBECONFIG), else the pod's ServiceAccount, else ~/.kube/config."""
    if settings.kubeconfig:
        return from_kubeconfig(settings.kubeconfig)
    return in_cluster() or from_kubeconfig()


def _kubelets(creds: Credentials, kube: Kube) -> Kubelets:
    """The kubelets' /metrics/resource, with the controller's own token and its cluster's CA."""
    addresses: dict[str, tuple[str, int] | None] = {}

    async def address(node: str) -> tuple[str, int] | None:
        if node not in addresses:  # a node keeps its address; a new one is a new name
            found = await asyncio.to_thread(kube.get, NODES, None, node)
            status = (found or {}).get("status") or {}
            ips = [a["address"] for a in status.get("addresses") or [] if a["type"] == "InternalIP"]
            ip = ips[0] if ips else None
            port = ((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port") or 10250
            addresses[node] = (ip, int(port)) if ip else None
        return addresses[node]

    context: ssl.SSLContext | bool = False if creds.insecure else creds.ssl_context()
    return Kubelets(address, lambda: creds.bearer() or "", context)


@kopf.on.login()
def login(memo: kopf.Memo, **_: Any) -> kopf.ConnectionInfo:
    """kopf logs in with the very credentials of the controller's own connection."""
    creds: Credentials = memo.credentials
    token = creds.bearer()
    return kopf.ConnectionInfo(
        server=creds.server,
        ca_path=creds.ca_path,
        ca_data=creds.ca_data,
        insecure=creds.insecure,
        scheme="Bearer" if token else None,
        token=token,
        certificate_path=creds.cert_path,
        certificate_data=creds.cert_data,
        private_key_path=creds.key_path,
        private_key_data=creds.key_data,
        default_namespace=creds.namespace,
    )


@kopf.on.startup()
async def start(
    settings: kopf.OperatorSettings,
    memo: kopf.Memo,
    templates: kopf.Index[Key, Any],
    poddefaults: kopf.Index[Key, Any],
    namespaces: kopf.Index[str, Any],
    **_: Any,
) -> None:
    ours: Settings = memo.settings
    # kopf's own log lines would otherwise become Kubernetes Events: writes.
    settings.posting.enabled = False
    # Resources are named in the handlers; no need to list CRDs cluster-wide.
    settings.scanning.disabled = True
    settings.watching.server_timeout = 300
    settings.watching.client_timeout = 330

    loop = asyncio.get_running_loop()
    # Every worker may wait on a request at once (asyncio's default pool has cpu_count + 4 threads).
    loop.set_default_executor(ThreadPoolExecutor(ours.workers + 4, thread_name_prefix="kube"))
    queue = WorkQueue()
    memo.queue = queue
    memo.indexed = asyncio.Event()
    kube = Kube(
        Connection.from_credentials(memo.credentials, maxsize=ours.workers + 16),
        FIELD_MANAGER,
        observe=lambda verb, resource, code: metrics.API_REQUESTS.labels(verb, resource, str(code)).inc(),
    )

    def by_label(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        obj = new or old
        if obj is None:
            return
        notebook = (obj["metadata"].get("labels") or {}).get(NOTEBOOK_LABEL)
        if notebook:
            loop.call_soon_threadsafe(queue.add, (obj["metadata"]["namespace"], notebook))

    def notebook_owners(obj: dict[str, Any] | None) -> set[str]:
        owners = (obj or {}).get("metadata", {}).get("ownerReferences") or []
        return {o["name"] for o in owners if o.get("kind") == "Notebook"}

    def by_owner(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        obj = new or old
        if obj is None:
            return
        # A revision shared by a hundred notebooks changes as each joins or leaves: only those look again.
        before, after = notebook_owners(old), notebook_owners(new)
        changed = before ^ after if old is not None and new is not None else before | after
        for name in changed:
            loop.call_soon_threadsafe(queue.add, (obj["metadata"]["namespace"], name))

    def by_revision_owner(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        # A copied dependency changed or went away: its revisions' notebooks look again.
        obj = new or old
        if obj is None:
            return
        namespace = obj["metadata"]["namespace"]
        for owner in obj["metadata"].get("ownerReferences") or []:
            revision = revisions.get(namespace, owner.get("name", ""))
            if owner.get("kind") == "TemplateRevision" and revision is not None:
                by_owner(None, revision)

    def by_key_or_revision_owner(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        # A notebook's key (labelled with its notebook) made, changed or gone: that notebook looks again.
        by_label(old, new)
        by_revision_owner(old, new)

    template_users = memo.template_users = TemplateUsers()

    def notebook_changed(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        # In the event loop: the reconciler's record and the template users live there.
        template_users.changed(old, new)
        body = new or old
        assert body is not None
        key = (body["metadata"]["namespace"], body["metadata"]["name"])
        # New, or its spec changed: a person is waiting. A status echo or a child's change is bookkeeping.
        urgent = new is not None and reconciler.generations.get(key) != new["metadata"].get("generation")
        queue.add(key, urgent)

    def on_notebook(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        loop.call_soon_threadsafe(notebook_changed, old, new)

    watched = ours.namespaces
    informers = {
        "notebooks": informer(kube, NOTEBOOKS, on_notebook, _slim_notebook, None, watched),
        "statefulsets": informer(kube, STATEFULSETS, by_label, _slim_statefulset, SELECTOR, watched),
        "pods": informer(kube, PODS, by_label, _slim_pod, SELECTOR, watched),
        "services": informer(kube, SERVICES, by_label, _slim_child, SELECTOR, watched),
        "revisions": informer(kube, REVISIONS, by_owner, _slim_revision, SELECTOR, watched),
        "secrets": informer(kube, SECRETS, by_key_or_revision_owner, _slim_secret, SELECTOR, watched),
        "configmaps": informer(kube, CONFIGMAPS, by_revision_owner, _slim_meta, SELECTOR, watched),
        "roles": informer(kube, ROLES, by_label, _slim_child, SELECTOR, watched),
        "rolebindings": informer(kube, ROLEBINDINGS, by_label, _slim_child, SELECTOR, watched),
        "claims": informer(kube, CLAIMS, by_label, _slim_claim, SELECTOR, watched),
        # Cluster-scoped and few: which class a new workspace gets, and whether it exists.
        "storageclasses": informer(kube, STORAGECLASSES, lambda old, new: None, _slim_storageclass),
    }
    revisions = informers["revisions"]
    if ours.routing.mode != "none":
        kind = VIRTUALSERVICES if ours.routing.mode == "istio" else HTTPROUTES
        informers["routes"] = informer(kube, kind, by_label, _slim_child, SELECTOR, watched)

    caches = Caches(
        templates=templates,
        poddefaults=poddefaults,
        namespaces=namespaces,
        routes=informers.get("routes"),
        **{k: v for k, v in informers.items() if k != "routes"},
    )
    culler = Culler(caches, ours.culling)
    reconciler = Reconciler(
        kube,
        caches,
        ours.routing,
        later=queue.add_after,
        catalog=ours.catalog_namespaces,
        guard=ours.guard,
        culler=culler,
    )
    memo.reconciler = reconciler
    for cache in informers.values():
        cache.start()
    for name, cache in informers.items():
        if not await asyncio.to_thread(cache.synced.wait, 120):
            raise kopf.PermanentError(f"the {name} cache did not fill within 120s")
    memo.informers = informers
    leading = asyncio.Event()
    if ours.leader_elect:
        elector = LeaderElector(kube, ours.lease_namespace, "nbctl-controller", ours.lease_seconds)
        leading = elector.leading

        def take_over() -> None:
            # A new leader looks at every notebook once: the old one may have left work half-seen.
            for key in caches.notebooks.keys(None):
                queue.add(key)

        memo.elector = asyncio.create_task(elector.run(take_over))
    else:
        leading.set()
    memo.workers = [
        asyncio.create_task(_work(queue, reconciler, leading, memo.indexed)) for _ in range(ours.workers)
    ]
    prober = Prober(
        caches,
        culler.policy,
        wake=lambda key: culler.stale(key) and queue.add(key),
        kubelets=_kubelets(memo.credentials, kube) if ours.kubelet_cpu else None,
        activity=culler.activity,
        interval=ours.probe_interval,
        concurrency=ours.probe_concurrency,
    )

    async def probe_while_leading() -> None:
        await memo.indexed.wait()
        await leading.wait()  # a standby's probes would only be thrown away
        await prober.run()

    memo.prober = asyncio.create_task(probe_while_leading())
    if ours.metrics_port:
        metrics.REGISTRY.register(metrics.PhaseCollector(lambda: dict(reconciler.phases)))
        ready = threading.Event()
        memo.metrics_server = metrics.serve(ours.metrics_port, ready)

        async def ready_when_indexed() -> None:
            await memo.indexed.wait()
            ready.set()

        memo.readiness = asyncio.create_task(ready_when_indexed())
    log.info("controller started: %d workers, routing %s", ours.workers, ours.routing.mode)


async def _work(
    queue: WorkQueue, reconciler: Reconciler, leading: asyncio.Event, indexed: asyncio.Event
) -> None:
    # Until kopf has filled its indexes, every notebook would look deleted.
    await indexed.wait()
    while True:
        await leading.wait()  # a standby keeps its caches warm and writes nothing
        key = await queue.get()
        if queue.closed:  # shutting down: leave it for the next leader or start
            queue.done(key)
            return
        metrics.QUEUE_DEPTH.set(len(queue))
        began = time.monotonic()
        try:
            await reconciler.reconcile(key)
            reconciler.reconciles += 1
            metrics.RECONCILES.labels("ok").inc()
            queue.forget(key)
        except asyncio.CancelledError:
            raise
        except KubeError as err:
            metrics.RECONCILES.labels("error").inc()
            if err.status == 403 and "being terminated" in err.message:
                # The namespace is going away, and the notebook with it: nothing to do.
                log.debug("notebook %s/%s: its namespace is terminating", *key)
                continue
            delay = queue.retry(key)
            log.warning("reconcile of notebook %s/%s failed, again in %.1fs: %s", *key, delay, err)
        except Exception as err:
            metrics.RECONCILES.labels("error").inc()
            delay = queue.retry(key)
            log.warning(
                "reconcile of notebook %s/%s failed, again in %.1fs: %s",
                *key,
                delay,
                err,
                exc_info=log.isEnabledFor(logging.DEBUG),
            )
        finally:
            metrics.RECONCILE_SECONDS.observe(time.monotonic() - began)
            queue.done(key)
            if not len(queue):
                _report_settled(queue, reconciler)


_FULL_COLLECTION_EVERY = 600.0  # seconds
_last_full_collection = time.monotonic()


def _freeze_long_lived() -> None:
    """Keep Python's full collections off the caches.

    The caches are most of the process's objects and live long: full collections scanned
    them all (a second's stall at thousands of notebooks, in the middle of a burst). Frozen at
    each settle, they are skipped. Now and then, at a settle, everything is collected once
    before freezing again, so that what was frozen and has since become garbage is freed.
    """
    global _last_full_collection
    if time.monotonic() - _last_full_collection > _FULL_COLLECTION_EVERY:
        _last_full_collection = time.monotonic()
        gc.unfreeze()
        gc.collect()
    gc.freeze()


def _report_settled(queue: WorkQueue, reconciler: Reconciler) -> None:
    """Log once the queue has stayed empty for a moment (tests and operators read this line)."""

    def report() -> None:
        reconciler.report_pending = False
        if not len(queue) and reconciler.reconciles != reconciler.reported:
            reconciler.reported = reconciler.reconciles
            _freeze_long_lived()
            log.info(
                "settled: %d reconciles, %d writes since start", reconciler.reconciles, reconciler.writes
            )

    if not reconciler.report_pending:
        reconciler.report_pending = True
        asyncio.get_running_loop().call_later(0.5, report)


@kopf.on.cleanup()
async def stop(memo: kopf.Memo, **_: Any) -> None:
    """Graceful shutdown: hand out no more work, let reconciles in flight finish (10 s at most)."""
    queue: WorkQueue | None = getattr(memo, "queue", None)
    if queue is not None:
        queue.close()
        in_flight = queue.in_flight
        deadline = time.monotonic() + 10
        while queue.in_flight and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        log.info("stopped: %d reconciles were in flight, %d did not finish", in_flight, queue.in_flight)
    for task in [
        *getattr(memo, "workers", []),
        getattr(memo, "elector", None),
        getattr(memo, "readiness", None),
        getattr(memo, "prober", None),
    ]:
        if task is not None:
            task.cancel()
    for cache in getattr(memo, "informers", {}).values():
        cache.stop()
    if getattr(memo, "metrics_server", None) is not None:
        memo.metrics_server.shutdown()
