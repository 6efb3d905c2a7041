"""kopf wiring: indexes and events feed a work queue; workers reconcile.

Only `@kopf.index` and `@kopf.on.event` handlers are used, so kopf keeps no
progress or diff-base annotations on users' Notebooks and adds no finalizer.
kopf calls the event handlers only after every index is filled, so no
notebook is judged against a half-read cache. Templates and PodDefaults reach
the notebooks that use them through indexes, never a scan.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
import time
from typing import Any

import kopf
from kubernetes import client, config

from jupyter_nbctl.kube.informer import Informer, slim_metadata
from jupyter_nbctl.kube.rest import (
    CONFIGMAPS,
    HTTPROUTES,
    PODS,
    REVISIONS,
    ROLEBINDINGS,
    ROLES,
    SECRETS,
    SERVICES,
    STATEFULSETS,
    VIRTUALSERVICES,
    Kube,
    KubeError,
)
from jupyter_nbctl.models import GROUP, VERSION
from nbctl_controller import metrics
from nbctl_controller.config import Settings
from nbctl_controller.leader import LeaderElector
from nbctl_controller.names import FIELD_MANAGER, NOTEBOOK_LABEL, SELECTOR
from nbctl_controller.queue import WorkQueue
from nbctl_controller.reconcile import Caches, Reconciler

log = logging.getLogger("nbctl_controller")
Key = tuple[str, str]

# ----------------------------------------------------------------- slimming


def _plain(value: Any) -> Any:
    return copy.deepcopy(dict(value)) if value is not None else {}


def _slim_notebook(body: kopf.Body) -> dict[str, Any]:
    return {
        "metadata": slim_metadata(_plain(body)),
        "spec": _plain(body.get("spec")),
        "status": _plain(body.get("status")),
    }


def _slim_spec(body: kopf.Body) -> dict[str, Any]:
    return {"metadata": slim_metadata(_plain(body)), "spec": _plain(body.get("spec"))}


def _slim_statefulset(obj: dict[str, Any]) -> dict[str, Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    template_labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    return {
        "metadata": slim_metadata(obj),
        "spec": {"replicas": spec.get("replicas"), "template": {"metadata": {"labels": template_labels}}},
        "status": {
            k: status[k]
            for k in ("replicas", "readyReplicas", "currentRevision", "updateRevision", "observedGeneration")
            if k in status
        },
    }


def _slim_pod(obj: dict[str, Any]) -> dict[str, Any]:
    status = obj.get("status") or {}
    return {
        "metadata": slim_metadata(obj),
        "status": {
            "phase": status.get("phase"),
            "conditions": [
                {k: c.get(k) for k in ("type", "status", "reason", "message")}
                for c in status.get("conditions") or []
            ],
            "containerStatuses": [
                {k: c.get(k) for k in ("name", "image", "ready", "restartCount", "state")}
                for c in status.get("containerStatuses") or []
            ],
        },
    }


def _slim_revision(obj: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": slim_metadata(obj), "spec": obj.get("spec") or {}}


def _slim_meta(obj: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": slim_metadata(obj)}


# ------------------------------------------------------------------ indexes


@kopf.index(GROUP, VERSION, "notebooks")
async def notebooks(namespace: str, name: str, body: kopf.Body, **_: Any) -> dict[Key, Any]:
    return {(namespace, name): _slim_notebook(body)}


@kopf.index(GROUP, VERSION, "notebooks")
async def notebooks_by_template(namespace: str, name: str, spec: kopf.Spec, **_: Any) -> dict[Key, Key]:
    ref = spec.get("templateRef") or {}
    return {(ref.get("namespace") or namespace, ref.get("name", "")): (namespace, name)}


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


@kopf.on.event(GROUP, VERSION, "notebooks")
async def notebook_changed(namespace: str, name: str, memo: kopf.Memo, **_: Any) -> None:
    memo.queue.add((namespace, name))


@kopf.on.event(GROUP, VERSION, "templates")
async def template_changed(
    namespace: str, name: str, memo: kopf.Memo, notebooks_by_template: kopf.Index[Key, Key], **_: Any
) -> None:
    for key in notebooks_by_template.get((namespace, name), []):
        memo.queue.add(key)


@kopf.on.event(GROUP, VERSION, "poddefaults")
async def poddefault_changed(
    namespace: str,
    name: str,
    memo: kopf.Memo,
    templates_by_poddefault: kopf.Index[Key, Key],
    notebooks_by_template: kopf.Index[Key, Key],
    **_: Any,
) -> None:
    for template in templates_by_poddefault.get((namespace, name), []):
        for key in notebooks_by_template.get(template, []):
            memo.queue.add(key)


@kopf.on.event("", "v1", "namespaces")
async def namespace_changed(name: str, memo: kopf.Memo, notebooks: kopf.Index[Key, Any], **_: Any) -> None:
    # Namespace labels decide which Templates a namespace may use.
    for key in [k for k in notebooks if k[0] == name]:
        memo.queue.add(key)


# ------------------------------------------------------------ start and stop


def api_client(settings: Settings) -> client.ApiClient:
    """The official client, from --kubeconfig, else in-cluster, else the default kubeconfig."""
    configuration = client.Configuration()
    if settings.kubeconfig:
        config.load_kube_config(config_file=settings.kubeconfig, client_configuration=configuration)
    else:
        try:
            config.load_incluster_config(client_configuration=configuration)
        except config.ConfigException:
            config.load_kube_config(client_configuration=configuration)
    configuration.connection_pool_maxsize = settings.workers + 16
    return client.ApiClient(configuration)


@kopf.on.login()
def login(memo: kopf.Memo, **_: Any) -> kopf.ConnectionInfo:
    """kopf logs in with the very credentials of the controller's own client."""
    cfg = memo.api.configuration
    token = cfg.auth_settings().get("BearerToken", {}).get("value") or ""
    scheme, _, token = token.partition(" ")
    return kopf.ConnectionInfo(
        server=cfg.host,
        ca_path=cfg.ssl_ca_cert,
        insecure=not cfg.verify_ssl,
        scheme=scheme or None,
        token=token or None,
        certificate_path=cfg.cert_file,
        private_key_path=cfg.key_file,
    )


@kopf.on.startup()
async def start(
    settings: kopf.OperatorSettings,
    memo: kopf.Memo,
    notebooks: kopf.Index[Key, Any],
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
    queue = WorkQueue()
    memo.queue = queue
    kube = Kube(
        memo.api,
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

    def by_owner(old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        obj = new or old
        if obj is None:
            return
        for owner in obj["metadata"].get("ownerReferences") or []:
            if owner.get("kind") == "Notebook":
                loop.call_soon_threadsafe(queue.add, (obj["metadata"]["namespace"], owner["name"]))

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

    informers = {
        "statefulsets": Informer(kube, STATEFULSETS, by_label, _slim_statefulset, SELECTOR),
        "pods": Informer(kube, PODS, by_label, _slim_pod, SELECTOR),
        "services": Informer(kube, SERVICES, by_label, _slim_meta, SELECTOR),
        "revisions": Informer(kube, REVISIONS, by_owner, _slim_revision, SELECTOR),
        "secrets": Informer(kube, SECRETS, by_revision_owner, _slim_meta, SELECTOR),
        "configmaps": Informer(kube, CONFIGMAPS, by_revision_owner, _slim_meta, SELECTOR),
        "roles": Informer(kube, ROLES, by_label, _slim_meta, SELECTOR),
        "rolebindings": Informer(kube, ROLEBINDINGS, by_label, _slim_meta, SELECTOR),
    }
    revisions = informers["revisions"]
    if ours.routing.mode != "none":
        kind = VIRTUALSERVICES if ours.routing.mode == "istio" else HTTPROUTES
        informers["routes"] = Informer(kube, kind, by_label, _slim_meta, SELECTOR)
    for informer in informers.values():
        informer.start()
    for name, informer in informers.items():
        if not await asyncio.to_thread(informer.synced.wait, 60):
            raise kopf.PermanentError(f"the {name} cache did not fill within 60s")
    memo.informers = informers

    caches = Caches(
        notebooks=notebooks,
        templates=templates,
        poddefaults=poddefaults,
        namespaces=namespaces,
        routes=informers.get("routes"),
        **{k: v for k, v in informers.items() if k != "routes"},
    )
    reconciler = Reconciler(kube, caches, ours.routing)
    memo.reconciler = reconciler
    leading = asyncio.Event()
    if ours.leader_elect:
        elector = LeaderElector(kube, ours.lease_namespace, "nbctl-controller", ours.lease_seconds)
        leading = elector.leading

        def take_over() -> None:
            # A new leader looks at every notebook once: the old one may have left work half-seen.
            for key in list(notebooks):
                queue.add(key)

        memo.elector = asyncio.create_task(elector.run(take_over))
    else:
        leading.set()
    memo.workers = [asyncio.create_task(_work(queue, reconciler, leading)) for _ in range(ours.workers)]
    if ours.metrics_port:
        metrics.REGISTRY.register(metrics.PhaseCollector(lambda: dict(reconciler.phases)))
        ready = threading.Event()
        memo.metrics_server = metrics.serve(ours.metrics_port, ready)
        ready.set()
    log.info("controller started: %d workers, routing %s", ours.workers, ours.routing.mode)


async def _work(queue: WorkQueue, reconciler: Reconciler, leading: asyncio.Event) -> None:
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


def _report_settled(queue: WorkQueue, reconciler: Reconciler) -> None:
    """Log once the queue has stayed empty for a moment (tests and operators read this line)."""

    def report() -> None:
        reconciler.report_pending = False
        if not len(queue) and reconciler.reconciles != reconciler.reported:
            reconciler.reported = reconciler.reconciles
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
    for task in [*getattr(memo, "workers", []), getattr(memo, "elector", None)]:
        if task is not None:
            task.cancel()
    for informer in getattr(memo, "informers", {}).values():
        informer.stop()
    if getattr(memo, "metrics_server", None) is not None:
        memo.metrics_server.shutdown()
