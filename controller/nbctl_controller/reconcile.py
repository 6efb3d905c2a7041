"""One idempotent reconcile per Notebook: resolve → revision → render → apply → status.

Everything is decided from caches (kopf indexes for Notebooks, Templates,
PodDefaults and Namespaces; label-selected informers for the children), and
rendered before anything is written, so bad input changes nothing. A child is
written only when the hash of what the controller means differs from the hash
stamped on it, so a settled notebook costs no request at all.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import logging
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from nbctl_guard.tickets import new_key

from jupyter_nbctl.kube.informer import Cache
from jupyter_nbctl.kube.rest import (
    CLAIMS,
    CONFIGMAPS,
    EVENTS,
    HTTPROUTES,
    NOTEBOOKS,
    REVISIONS,
    ROLEBINDINGS,
    ROLES,
    SECRETS,
    SERVICES,
    STATEFULSETS,
    VIRTUALSERVICES,
    Kind,
    Kube,
    KubeError,
)
from jupyter_nbctl.models import API_VERSION
from jupyter_nbctl.models.selectors import LabelSelector
from nbctl_controller import metrics
from nbctl_controller import status as status_
from nbctl_controller.children import DRIFT_KEY, Whose, controlling_uid, whose
from nbctl_controller.culler import Culler
from nbctl_controller.culling import WARNING_REASONS, Verdict
from nbctl_controller.guard import GUARD_IMAGE_KEY, GuardSettings, render_access_secret
from nbctl_controller.indexes import one
from nbctl_controller.names import (
    APPLIED_ANNOTATION,
    COPIED_FROM_ANNOTATION,
    DEFAULT_CLASS_ANNOTATION,
    INTENT_ANNOTATION,
    MANAGED_BY,
    MANAGED_BY_VALUE,
    REVISION_LABEL,
    TEMPLATE_LABEL,
    access_secret_name,
    pod_name,
    role_name,
    url_prefix,
)
from nbctl_controller.problems import NotebookProblem
from nbctl_controller.render import (
    Notebook,
    Routing,
    applied,
    intent,
    owner_reference,
    render_owner_access,
    render_pod_template,
    render_route,
    render_service,
    render_statefulset,
    without_key,
)
from nbctl_controller.revisions import build_revision, template_source
from nbctl_controller.workspace import (
    Workspace,
    check_claim,
    claim_owner,
    claim_user,
    is_workspace,
    render_claim,
    render_kept_access,
)
from nbctl_controller.workspace import condition as workspace_condition
from nbctl_controller.workspace import resolve as resolve_workspace

Key = tuple[str, str]
log = logging.getLogger(__name__)

# How often a notebook whose child's name is taken looks again (the other object's going sends no event).
NAME_RECHECK_SECONDS = 15.0


@dataclass
class Caches:
    """What the reconciler reads instead of asking the API server."""

    notebooks: Cache
    templates: Mapping[Key, Any]
    poddefaults: Mapping[Key, Any]
    namespaces: Mapping[str, Any]
    statefulsets: Cache
    pods: Cache
    services: Cache
    revisions: Cache
    secrets: Cache
    configmaps: Cache
    roles: Cache
    rolebindings: Cache
    claims: Cache
    storageclasses: Cache
    routes: Cache | None = None


@dataclass
class Revision:
    name: str
    spec: dict[str, Any]
    uid: str | None = None


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Reconciler:
    def __init__(
        self,
        kube: Kube,
        caches: Caches,
        routing: Routing,
        clock: Callable[[], str] = _now,
        later: Callable[[Key, float], None] | None = None,
        catalog: tuple[str, ...] = ("kubeflow",),
        guard: GuardSettings = GuardSettings(),  # noqa: B008 (frozen)
        culler: Culler | None = None,
    ) -> None:
        self.kube = kube
        self.culler = culler or Culler(caches)
        self.catalog = catalog
        self.guard = guard
        self.caches = caches
        self.routing = routing
        self.clock = clock
        self.writes = 0
        self.reconciles = 0
        self.reported = 0
        self.report_pending = False
        # The status we last wrote per notebook, with the resourceVersion it made:
        # until the index catches up, that is the status to compare with.
        self._written: dict[Key, tuple[int, dict[str, Any]]] = {}
        # Each notebook's phase as last computed, for the metrics.
        self.phases: dict[Key, str] = {}
        # The generation of each notebook's spec as last reconciled: a newer one is a person's request.
        self.generations: dict[Key, int | None] = {}
        # Revisions as built from a Template and its PodDefaults at given resourceVersions:
        # validating and merging them again for each of thousands of notebooks is most of a reconcile.
        self._built: dict[tuple[Any, ...], Revision | NotebookProblem] = {}
        # Claim changes the API server refused (a class that cannot expand): (claim, manifest hash) ->
        # the refusal, so the same request is not sent again at every reconcile.
        self._refused: dict[tuple[str, str], tuple[str, str]] = {}
        # Children someone else wrote, that an apply found already as the controller means them:
        # (kind, namespace, name) -> the mark of those writes, so they are not applied over again.
        self._settled: dict[tuple[str, str, str], str] = {}
        # Looks at a notebook again after a delay: a taken name frees itself without an event to us.
        self.later = later or (lambda key, delay: None)

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.to_thread(fn, *args)

    # ----------------------------------------------------------------- resolve

    def latest(self, ns: str, spec: dict[str, Any]) -> Revision:
        """The newest revision of the notebook's Template, or a NotebookProblem."""
        ref = spec.get("templateRef") or {}
        tns, tname = ref.get("namespace") or ns, ref["name"]
        template = one(self.caches.templates, (tns, tname))
        if template is None:
            raise NotebookProblem("TemplateNotFound", f"Template {tns}/{tname} does not exist.")
        selector = template["spec"].get("namespaceSelector")
        if selector is None and tns != ns and tns not in self.catalog:
            raise NotebookProblem(
                "TemplateNotAllowed",
                f"Template {tns}/{tname} serves only namespace {tns}: it is not in a catalog namespace "
                f"({', '.join(self.catalog) or 'none'}) and has no namespaceSelector that names {ns}.",
            )
        if selector is not None:
            labels = (one(self.caches.namespaces, ns) or {}).get("labels") or {}
            if not LabelSelector.model_validate(selector).matches(labels):
                raise NotebookProblem(
                    "TemplateNotAllowed", f"Template {tns}/{tname} may not be used in namespace {ns}."
                )
        poddefaults = {}
        versions: list[tuple[str, str | None]] = []
        for pd in _referenced_poddefaults(template["spec"]):
            found = one(self.caches.poddefaults, (tns, pd))
            if found is not None:
                poddefaults[pd] = found["spec"]
            versions.append((pd, found["metadata"].get("resourceVersion") if found else None))
        memo = (tns, tname, template["metadata"].get("resourceVersion"), tuple(versions))
        built = self._built.get(memo)
        if built is None:
            try:
                built = Revision(*build_revision(tns, tname, template["spec"], poddefaults))
            except NotebookProblem as err:
                built = err
            if len(self._built) >= 256:  # old versions are dead weight
                self._built.clear()
            self._built[memo] = built
        if isinstance(built, NotebookProblem):
            raise NotebookProblem(built.reason, built.message)  # a fresh one: no traceback to grow
        return built

    def choose(
        self, ns: str, spec: dict[str, Any], sts: dict[str, Any] | None, latest: Revision | None
    ) -> Revision | None:
        """The revision the notebook should run now (see docs/controller.md, "Updates")."""
        current = _sts_revision(sts)
        running = sts is not None and int((sts.get("spec") or {}).get("replicas") or 0) > 0
        intent_changed = sts is not None and _annotations(sts).get(INTENT_ANNOTATION) != intent(spec)
        asked = spec.get("revision")
        # Manual runs what its owner names; Auto also moves at once when its owner asks for the
        # newest (the panel's Update), and otherwise at each start.
        if (
            asked
            and not (spec.get("stopped") and current)
            and (spec.get("updatePolicy") == "Manual" or (latest is not None and asked == latest.name))
        ):
            wanted = asked
        elif current is None:
            wanted = latest.name if latest else None
        elif spec.get("updatePolicy", "Auto") == "Auto" and (
            not running or spec.get("stopped") or intent_changed
        ):
            wanted = latest.name if latest else current
        else:
            wanted = current
        if wanted is None:
            return None
        if latest is not None and wanted == latest.name:
            return latest
        stored = self.caches.revisions.get(ns, wanted)
        if stored is not None and wanted == spec.get("revision"):
            ref = spec.get("templateRef") or {}
            mine = f"{ref.get('namespace') or ns}/{ref.get('name')}"
            source = stored["spec"].get("template") or {}
            theirs = f"{source.get('namespace')}/{source.get('name')}"
            if theirs != mine:
                raise NotebookProblem(
                    "RevisionNotOfTemplate",
                    f"Revision {wanted} is a revision of template {theirs}, not of {mine}, the notebook's "
                    "template: spec.revision must name a revision of spec.templateRef.",
                )
        if stored is not None:
            return Revision(wanted, stored["spec"], stored["metadata"].get("uid"))
        if wanted == spec.get("revision"):
            newest = f"; the newest is {latest.name}" if latest else ""
            raise NotebookProblem(
                "RevisionNotFound", f"Revision {wanted} does not exist in namespace {ns}{newest}."
            )
        return latest  # the current revision vanished: take the newest at this (re)start

    # --------------------------------------------------------------- reconcile

    async def reconcile(self, key: Key) -> None:
        ns, name = key
        body = self.caches.notebooks.get(ns, name)
        if body is None or body["metadata"].get("deletionTimestamp"):
            self._written.pop(key, None)
            self.phases.pop(key, None)
            self.generations.pop(key, None)
            children = {name, role_name(name)}
            for settled in [k for k in self._settled if k[1] == ns and k[2] in children]:
                del self._settled[settled]
            terminating = (one(self.caches.namespaces, ns) or {}).get("terminating")
            if body is None and not terminating:
                await self.drop_orphaned_access(ns, name)
                if self.caches.claims.items(ns):
                    await self.keep_workspaces(ns, name)
            return
        if (one(self.caches.namespaces, ns) or {}).get("terminating"):
            return  # everything in it is going; a write would only be refused
        meta, spec = body["metadata"], body.get("spec") or {}
        self.generations[key] = meta.get("generation")
        nb = Notebook(ns, name, meta["uid"], spec)
        sts = self.caches.statefulsets.get(ns, name)
        pod = self.caches.pods.get(ns, pod_name(name))
        if controlling_uid(sts) != meta["uid"]:
            sts = None  # left by an earlier notebook of this name: neither its state nor its pod is ours
        if sts is None or controlling_uid(pod) != sts["metadata"].get("uid"):
            pod = None

        previous = self._old_status(key, body)
        verdict = self.culler.verdict(body, pod, previous)
        if verdict.stop and not spec.get("stopped"):
            # Judged again on the notebook as the API has it now: a Keep running that the cache has
            # not delivered yet must not lose to the stop. Stops are rare; this read is one per stop.
            fresh = await self.call(self.kube.get, NOTEBOOKS, ns, name)
            if fresh is None or fresh["metadata"].get("uid") != meta["uid"]:
                return
            verdict = self.culler.verdict(fresh, pod, self._old_status(key, fresh))
            if not verdict.stop or (fresh.get("spec") or {}).get("stopped"):
                self.later(key, 1.0)  # judged on the fresh notebook once the cache holds it
                return
            if not await self.cull(fresh, verdict):
                return
            spec = {**spec, "stopped": True}  # stopped as if its owner pressed Stop
            nb = Notebook(ns, name, meta["uid"], spec)

        problem: NotebookProblem | None = None
        latest: Revision | None = None
        try:
            latest = self.latest(ns, spec)
        except NotebookProblem as err:
            problem = err
        chosen: Revision | None = None
        workspace: Workspace | None = None
        manifests: list[tuple[Kind, dict[str, Any]]] = []
        try:
            if problem is not None and not spec.get("stopped"):
                # A template that is gone or that the namespace may no longer use starts nothing, whichever
                # revision is named; a notebook running on it is left running (and may be stopped).
                raise problem
            chosen = self.choose(ns, spec, sts, latest)
            if chosen is not None:
                source = chosen.spec["template"]
                workspace = resolve_workspace(
                    name, spec, chosen.spec, template_source(source["namespace"], source["name"])
                )
                replicas = 0 if spec.get("stopped") else 1
                manifests.append(
                    (STATEFULSETS, self.statefulset_manifest(nb, chosen, workspace, replicas, sts))
                )
                manifests.append((SERVICES, applied(render_service(nb))))
                if spec.get("owner"):
                    made = workspace is not None and (
                        not workspace.reattach or is_workspace(self.caches.claims.get(ns, workspace.claim))
                    )
                    claim = workspace.claim if workspace is not None and made else None
                    # Rights on the pod only while the pod of that name is the notebook's own. The key's
                    # rule is made good by claim_names_or_grant_access: the key is ours before the Role
                    # is applied, or the rule goes.
                    for access in render_owner_access(nb, spec["owner"], claim, pod is not None):
                        kind = ROLES if access["kind"] == "Role" else ROLEBINDINGS
                        manifests.append((kind, applied(access)))
                route = render_route(nb, self.routing, chosen.spec.get("route"))
                if route is not None:
                    kind = VIRTUALSERVICES if route["kind"] == "VirtualService" else HTTPROUTES
                    manifests.append((kind, applied(route)))
        except NotebookProblem as err:
            problem, chosen, workspace, manifests = err, None, None, []

        refused: str | None = None
        owning: asyncio.Future[None] | None = None
        if chosen is not None and manifests:
            try:
                await self.claim_names_or_grant_access(nb, manifests)
                chosen = await self.ensure_revision(nb, chosen)
                await self.ensure_dependencies(nb, chosen)
                if workspace is not None:
                    refused = await self.ensure_workspace(nb, workspace)
            except NotebookProblem as err:
                problem, manifests = err, []
            await self.apply_all(manifests)
            if manifests:
                # After the children: the revision's owner list is one object that every new notebook of
                # the namespace patches, and the StatefulSet should not wait for it. Nor should the status.
                owning = asyncio.ensure_future(self.own_revision_and_release(nb, chosen))
                sts = self.caches.statefulsets.get(ns, name)

        template = spec.get("templateRef") or {}
        observed = status_.Observed(
            generation=int(meta.get("generation") or 0),
            stopped=bool(spec.get("stopped")),
            problem=problem,
            template=f"{template.get('namespace') or ns}/{template.get('name')}",
            latest_revision=latest.name if latest else None,
            current_revision=_sts_revision(sts),
            statefulset=sts,
            pod=pod,
            url=url_prefix(ns, name),
            workspace=(
                workspace_condition(workspace, self.caches.claims.get(ns, workspace.claim), refused)
                if workspace is not None and problem is None
                else None
            ),
        )
        status = status_.compute(observed)
        if verdict.condition is not None:
            status["conditions"].append(verdict.condition)
        if verdict.culling is not None:
            status["culling"] = verdict.culling
        self.phases[key] = status["phase"]
        await _together(self.write_status(body, status), *([owning] if owning is not None else []))

    def statefulset_manifest(
        self,
        nb: Notebook,
        revision: Revision,
        workspace: Workspace | None,
        replicas: int,
        sts: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """The StatefulSet, stamped; with the guard image its pod runs now while nothing else changes.

        A new guard image (a controller upgrade) is a change to every notebook's pod: kept back until
        the pod changes anyway (a start, a resize, an update), so that an upgrade restarts no one.
        """

        def stamped(guard: GuardSettings) -> dict[str, Any]:
            pod = render_pod_template(nb, revision.name, revision.spec, workspace, guard)
            return applied(render_statefulset(nb, pod, replicas))

        running = (sts or {}).get(GUARD_IMAGE_KEY)
        if running and running != self.guard.image:
            kept = stamped(dataclasses.replace(self.guard, image=running))
            if _annotations(kept).get(APPLIED_ANNOTATION) == _annotations(sts).get(APPLIED_ANNOTATION):
                return kept
        return stamped(self.guard)

    # ------------------------------------------------------------------ writes

    async def claim_names(self, nb: Notebook, manifests: list[tuple[Kind, dict[str, Any]]]) -> None:
        """Every child's name is free or already this notebook's, before anything is written.

        A child left by an earlier notebook of the same name is deleted (it is the controller's own,
        and its pod may hold what the earlier owner left in it); an object someone else made is left
        as it is and the notebook is not started. Names missing from the caches are looked up, at
        once: that happens when a notebook is new.
        """
        found: list[tuple[Kind, dict[str, Any]]] = []
        missing: list[tuple[Kind, str]] = []
        for kind, manifest in manifests:
            name = manifest["metadata"]["name"]
            cache = self._cache_for(kind)
            current = cache.get(nb.namespace, name) if cache is not None else None
            if current is not None:
                found.append((kind, current))
            else:
                missing.append((kind, name))
        looked_up = await asyncio.gather(
            *(self.call(self.kube.get, kind, nb.namespace, name) for kind, name in missing)
        )
        found += [(kind, obj) for (kind, _), obj in zip(missing, looked_up, strict=True) if obj is not None]
        for kind, obj in found:
            meta = obj["metadata"]
            verdict = whose(obj, nb.uid, lambda name, uid: self._alive(nb.namespace, name, uid))
            if verdict is Whose.MINE:
                continue
            what = f"{kind.kind} {nb.namespace}/{meta['name']}"
            if verdict is Whose.ORPHAN:
                await self._delete_left_over(kind, obj, f"left by an earlier notebook {nb.name}")
                continue
            self.later((nb.namespace, nb.name), NAME_RECHECK_SECONDS)
            if verdict is Whose.GOING:
                raise NotebookProblem(
                    "WaitingForOldChildren",
                    f"{what}, left by an earlier notebook of that name, is being deleted; the notebook "
                    "starts once it has gone.",
                )
            raise NotebookProblem(
                "NameTaken",
                f"{what} already exists and was not made by jupyter-nbctl for this notebook: it was left "
                f"as it is and nothing was started. Rename the notebook, or remove that {kind.kind}.",
            )

    async def claim_names_or_grant_access(
        self, nb: Notebook, manifests: list[tuple[Kind, dict[str, Any]]]
    ) -> None:
        """claim_names and the key; when a name is taken the owner still gets their Role, to fix or delete
        it (without the key's rule, unless the key is the notebook's own)."""
        try:
            secret = self.access_secret_to_make(nb)
            # One round of lookups for every name a new notebook needs, its key's among them.
            await self.claim_names(nb, manifests + ([(SECRETS, secret)] if secret else []))
            if secret is not None:
                await self.create_access_secret(nb, secret)
        except NotebookProblem:
            secret = self.caches.secrets.get(nb.namespace, access_secret_name(nb.name))
            ours = controlling_uid(secret) == nb.uid
            access = [
                (kind, m if kind is not ROLES or ours else without_key(m))
                for kind, m in manifests
                if kind in (ROLES, ROLEBINDINGS)
            ]
            await self.claim_names(nb, access)
            await self.apply_all(access)
            raise

    def access_secret_to_make(self, nb: Notebook) -> dict[str, Any] | None:
        """The notebook's key for its guard, unless it has one: made once, at random, never sent again."""
        name = access_secret_name(nb.name)
        if controlling_uid(self.caches.secrets.get(nb.namespace, name)) == nb.uid:
            return None
        return render_access_secret(nb.namespace, nb.name, owner_reference(nb), new_key())

    async def create_access_secret(self, nb: Notebook, manifest: dict[str, Any]) -> None:
        """Created rather than applied, once claim_names has cleared its name, so a Secret of that name
        that is not this notebook's is refused, not taken; one left by an earlier notebook of the name
        goes (claim_names), and the new owner gets a new key: the earlier owner's tickets open nothing
        of theirs.
        """
        try:
            created = await self.call(self.kube.create, SECRETS, manifest)
        except KubeError as err:
            if not err.conflict:
                raise
            # Ours, made before the cache saw it; or someone else's since the look above.
            await self.claim_names(nb, [(SECRETS, manifest)])
            return
        self.writes += 1
        self.caches.secrets.remember(created)

    async def drop_orphaned_access(self, ns: str, notebook: str) -> None:
        """A notebook deleted with --cascade=orphan leaves its owner's Role behind: its rights go now."""
        for kind in (ROLEBINDINGS, ROLES):
            cache = self._cache_for(kind)
            obj = cache.get(ns, role_name(notebook)) if cache is not None else None
            # Still owned, the garbage collector takes it with its notebook (the cache holds only ours).
            if (
                obj is not None
                and not obj["metadata"].get("deletionTimestamp")
                and controlling_uid(obj) is None
            ):
                await self._delete_left_over(kind, obj, f"of the deleted notebook {notebook}")

    async def _delete_left_over(self, kind: Kind, obj: dict[str, Any], why: str) -> None:
        """Delete a child the controller made for a notebook that no longer exists: that one, by UID."""
        meta = obj["metadata"]
        try:
            await self.call(self.kube.delete, kind, meta["namespace"], meta["name"], meta["uid"])
        except KubeError as err:
            if not (err.not_found or err.conflict):
                raise
        self.writes += 1
        cache = self._cache_for(kind)
        if cache is not None:
            cache.forget(meta["namespace"], meta["name"])
        log.info("deleted %s %s/%s, %s", kind.kind, meta["namespace"], meta["name"], why)

    async def apply_all(self, manifests: list[tuple[Kind, dict[str, Any]]]) -> None:
        """Every child at once, but a RoleBinding after its Role: RBAC judges a binding by the rules of
        the Role it names, which must exist by then (the controller holds no `bind` verb)."""
        await _together(*(self.apply_if_changed(k, m) for k, m in manifests if k is not ROLEBINDINGS))
        await _together(*(self.apply_if_changed(k, m) for k, m in manifests if k is ROLEBINDINGS))

    async def apply_if_changed(self, kind: Kind, manifest: dict[str, Any]) -> None:
        meta = manifest["metadata"]
        cache = self._cache_for(kind)
        current = cache.get(meta["namespace"], meta["name"]) if cache else None
        wanted = meta["annotations"][APPLIED_ANNOTATION]
        key = (kind.plural, meta["namespace"], meta["name"])
        if (
            current is not None
            and _annotations(current).get(APPLIED_ANNOTATION) == wanted
            and (
                kind is not STATEFULSETS
                or (current.get("spec") or {}).get("replicas") == manifest["spec"]["replicas"]
            )
            and (not current.get(DRIFT_KEY) or self._settled.get(key) == current[DRIFT_KEY])
        ):
            return
        result = await self.call(self.kube.apply, kind, manifest)
        self.writes += 1
        before = (current or {}).get("metadata", {}).get("resourceVersion")
        if (
            current is not None
            and current.get(DRIFT_KEY)
            and result["metadata"].get("resourceVersion") == before
        ):
            # Someone else only added to it: what the controller owns is as it means it.
            self._settled[key] = current[DRIFT_KEY]
        else:
            self._settled.pop(key, None)
        if cache is not None:
            cache.remember(result)
        log.info("applied %s %s/%s", kind.kind, meta["namespace"], meta["name"])

    def _cache_for(self, kind: Kind) -> Cache | None:
        return {
            SECRETS.plural: self.caches.secrets,
            STATEFULSETS.plural: self.caches.statefulsets,
            SERVICES.plural: self.caches.services,
            ROLES.plural: self.caches.roles,
            ROLEBINDINGS.plural: self.caches.rolebindings,
            CLAIMS.plural: self.caches.claims,
        }.get(kind.plural, self.caches.routes)

    async def ensure_revision(self, nb: Notebook, revision: Revision) -> Revision:
        """The revision object exists in the notebook's namespace (made with the notebook as its owner)."""
        owner = {"apiVersion": API_VERSION, "kind": "Notebook", "name": nb.name, "uid": nb.uid}
        stored = self.caches.revisions.get(nb.namespace, revision.name)
        if stored is None:
            manifest = {
                "apiVersion": API_VERSION,
                "kind": "TemplateRevision",
                "metadata": {
                    "name": revision.name,
                    "namespace": nb.namespace,
                    "labels": {
                        MANAGED_BY: MANAGED_BY_VALUE,
                        TEMPLATE_LABEL: revision.spec["template"]["name"],
                        REVISION_LABEL: revision.name,
                    },
                    "ownerReferences": [owner],
                },
                "spec": revision.spec,
            }
            try:
                stored = await self.call(self.kube.create, REVISIONS, manifest)
                self.writes += 1
            except KubeError as err:
                if not err.conflict:
                    raise
                stored = await self.call(self.kube.get, REVISIONS, nb.namespace, revision.name)
            self.caches.revisions.remember(stored)
        return Revision(revision.name, revision.spec, stored["metadata"]["uid"])

    async def own_revision(self, nb: Notebook, revision: Revision) -> None:
        """The revision lists the notebook among its owners, so the garbage collector keeps it."""
        owner = {"apiVersion": API_VERSION, "kind": "Notebook", "name": nb.name, "uid": nb.uid}
        stored = self.caches.revisions.get(nb.namespace, revision.name)
        owners = (stored or {}).get("metadata", {}).get("ownerReferences") or []
        if not any(o.get("uid") == nb.uid for o in owners):
            ops = [{"op": "add", "path": "/metadata/ownerReferences/-", "value": owner}]
            if not owners:
                ops = [{"op": "add", "path": "/metadata/ownerReferences", "value": [owner]}]
            stored = await self.call(self.kube.json_patch, REVISIONS, nb.namespace, revision.name, ops)
            self.writes += 1
            self.caches.revisions.remember(stored)

    async def own_revision_and_release(self, nb: Notebook, revision: Revision) -> None:
        await self.own_revision(nb, revision)
        await self.release_old_revisions(nb, revision.name)

    async def ensure_dependencies(self, nb: Notebook, revision: Revision) -> None:
        """Copies of the Template's Secrets and ConfigMaps, owned by the revision."""
        source_ns = revision.spec["template"]["namespace"]
        owner = {
            "apiVersion": API_VERSION,
            "kind": "TemplateRevision",
            "name": revision.name,
            "uid": revision.uid,
        }
        for dep in revision.spec.get("dependencies") or []:
            kind = SECRETS if dep["kind"] == "Secret" else CONFIGMAPS
            cache = self.caches.secrets if kind is SECRETS else self.caches.configmaps
            copy = cache.get(nb.namespace, dep["name"])
            if copy is None:
                if source_ns == nb.namespace:
                    continue  # the Template's own namespace already has it
                existing = await self.call(self.kube.get, kind, nb.namespace, dep["name"])
                if existing is not None:
                    raise NotebookProblem(
                        "DependencyConflict",
                        f"{dep['kind']} {nb.namespace}/{dep['name']} already exists and was not copied by "
                        f"jupyter-nbctl; template {source_ns}/{revision.spec['template']['name']} needs that "
                        "name for its own copy. Rename or remove the existing object.",
                    )
                source = await self.call(self.kube.get, kind, source_ns, dep["name"])
                if source is None:
                    raise NotebookProblem(
                        "DependencyNotFound",
                        f"{dep['kind']} {source_ns}/{dep['name']}, a dependency of template "
                        f"{source_ns}/{revision.spec['template']['name']}, does not exist.",
                    )
                manifest = {
                    "apiVersion": "v1",
                    "kind": dep["kind"],
                    "metadata": {
                        "name": dep["name"],
                        "namespace": nb.namespace,
                        "labels": {MANAGED_BY: MANAGED_BY_VALUE},
                        "annotations": {COPIED_FROM_ANNOTATION: f"{source_ns}/{dep['name']}"},
                        "ownerReferences": [owner],
                    },
                    **{k: source[k] for k in ("type", "data", "binaryData", "immutable") if k in source},
                }
                try:
                    created = await self.call(self.kube.create, kind, manifest)
                except KubeError as err:
                    if err.conflict:
                        raise NotebookProblem(
                            "DependencyConflict",
                            f"{dep['kind']} {nb.namespace}/{dep['name']} was created by someone else "
                            "meanwhile.",
                        ) from err
                    raise
                self.writes += 1
                cache.remember(created)
                continue
            owners = copy["metadata"].get("ownerReferences") or []
            if not any(o.get("uid") == revision.uid for o in owners):
                patched = await self.call(
                    self.kube.json_patch,
                    kind,
                    nb.namespace,
                    dep["name"],
                    [{"op": "add", "path": "/metadata/ownerReferences/-", "value": owner}],
                )
                self.writes += 1
                cache.remember(patched)

    async def release_old_revisions(self, nb: Notebook, keep: str) -> None:
        """Drop the notebook from the owners of revisions it no longer runs (the GC takes unowned ones)."""
        for revision in self.caches.revisions.items(nb.namespace):
            meta = revision["metadata"]
            if meta["name"] == keep:
                continue
            owners = meta.get("ownerReferences") or []
            for index, owner in enumerate(owners):
                if owner.get("uid") != nb.uid:
                    continue
                ops = [
                    {"op": "test", "path": f"/metadata/ownerReferences/{index}/uid", "value": nb.uid},
                    {"op": "remove", "path": f"/metadata/ownerReferences/{index}"},
                ]
                try:
                    patched = await self.call(
                        self.kube.json_patch, REVISIONS, nb.namespace, meta["name"], ops
                    )
                    self.caches.revisions.remember(patched)
                except KubeError as err:
                    if not err.not_found:
                        raise  # a moved index fails the test: the retry reads afresh
                self.writes += 1
                break

    def storage_class(self, ws: Workspace) -> str:
        """The class a new workspace gets: the Template's, else the cluster's default; or a problem."""
        if ws.storage_class:
            if self.caches.storageclasses.get("", ws.storage_class) is None:
                raise NotebookProblem(
                    "StorageClassNotFound",
                    f"The template asks for StorageClass {ws.storage_class} for workspaces, and the "
                    "cluster has none of that name: nothing was made. An administrator can create it or "
                    "change the template's workspace.storageClassName.",
                )
            return ws.storage_class
        defaults = sorted(
            sc["metadata"]["name"]
            for sc in self.caches.storageclasses.items("")
            if (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"
        )
        if not defaults:
            raise NotebookProblem(
                "NoDefaultStorageClass",
                "The template names no StorageClass for workspaces and the cluster has no default one: "
                "nothing was made. An administrator can mark a class as the default or set the template's "
                "workspace.storageClassName.",
            )
        return defaults[-1]

    async def ensure_workspace(self, nb: Notebook, ws: Workspace) -> str | None:
        """The workspace claim exists and is as the notebook asks; a refused change is returned as
        "Reason: message" (the notebook runs on), a claim it may not have raises NotebookProblem."""
        claims = self.caches.claims
        claim = claims.get(nb.namespace, ws.claim)
        owner = nb.spec.get("owner") or ""
        check_claim(ws, nb.uid, owner, claim, lambda name, uid: self._alive(nb.namespace, name, uid))
        if claim is None and ws.reattach:
            return None  # not made by us: mounted as it is, never written
        if claim is None:
            manifest = render_claim(
                nb.namespace, owner, ws, owner_reference(nb), None, self.storage_class(ws)
            )
            # Made by create, never apply, so an existing claim of that name is refused, not taken over.
            # The owner reference (onDelete: Delete) comes with the first apply.
            first = applied(
                {
                    **manifest,
                    "metadata": {k: v for k, v in manifest["metadata"].items() if k != "ownerReferences"},
                }
            )
            try:
                created = await self.call(self.kube.create, CLAIMS, first)
            except KubeError as err:
                if err.conflict:
                    raise NotebookProblem(
                        "WorkspaceNameTaken",
                        f"PersistentVolumeClaim {nb.namespace}/{ws.claim} already exists and is not a "
                        "workspace made by jupyter-nbctl: it was left as it is. Rename the notebook, or "
                        "reattach the claim with spec.workspace.existingClaim.",
                    ) from err
                if err.status in (403, 422):
                    raise NotebookProblem(
                        "WorkspaceRefused", f"The workspace {ws.claim} cannot be made: {err.message}"
                    ) from err
                raise
            self.writes += 1
            claims.remember(created)
            log.info("created PersistentVolumeClaim %s/%s", nb.namespace, ws.claim)
            if "ownerReferences" not in manifest["metadata"]:
                return None
            claim = created
        manifest = applied(render_claim(nb.namespace, owner, ws, owner_reference(nb), claim, None))
        wanted = manifest["metadata"]["annotations"][APPLIED_ANNOTATION]
        key = (nb.namespace, ws.claim)
        earlier = self._refused.get(key)
        if earlier is not None and earlier[0] == wanted:
            return earlier[1]
        try:
            await self.apply_if_changed(CLAIMS, manifest)
        except KubeError as err:
            if err.status not in (403, 422):
                raise
            # Typically a class that does not allow expansion: the notebook runs on at its old size.
            message = f"ExpansionRefused: The workspace {ws.claim} cannot grow: {err.message}"
            self._refused[key] = (wanted, message)
            return message
        self._refused.pop(key, None)
        return None

    def _alive(self, ns: str, name: str, uid: str) -> bool:
        """Whether the notebook of that name and uid exists (a workspace records the one it serves)."""
        body = self.caches.notebooks.get(ns, name)
        return body is not None and body["metadata"].get("uid") == uid

    async def keep_workspaces(self, ns: str, notebook: str) -> None:
        """The owner of a workspace kept from a deleted notebook may still read and delete it."""
        for claim in self.caches.claims.items(ns):
            meta = claim["metadata"]
            name, uid = claim_user(claim)
            if name != notebook or not is_workspace(claim) or meta.get("deletionTimestamp"):
                continue
            if any(o.get("kind") == "Notebook" for o in meta.get("ownerReferences") or []):
                continue  # onDelete: Delete; the garbage collector takes it
            if self._alive(ns, name, uid):
                continue
            owner = claim_owner(claim)
            if not owner or not meta.get("uid"):
                continue
            role, binding = render_kept_access(claim, owner)
            await self.apply_if_changed(ROLES, applied(role))
            await self.apply_if_changed(ROLEBINDINGS, applied(binding))

    def _old_status(self, key: Key, body: dict[str, Any]) -> dict[str, Any]:
        """The notebook's status as last written: ours until the index catches up with it."""
        written = self._written.get(key)
        if written is not None and written[0] > _version(body):
            return written[1]
        return body.get("status") or {}

    async def cull(self, body: dict[str, Any], verdict: Verdict) -> bool:
        """Stop the notebook as its owner's Stop does; False when it changed since it was judged."""
        meta = body["metadata"]
        ops = [
            # Only the notebook as judged: a Keep running or a Stop of its owner meanwhile wins.
            {"op": "test", "path": "/metadata/resourceVersion", "value": meta["resourceVersion"]},
            {"op": "add", "path": "/spec/stopped", "value": True},
        ]
        try:
            await self.call(self.kube.json_patch, NOTEBOOKS, meta["namespace"], meta["name"], ops)
        except KubeError as err:
            if err.status in (409, 422):
                self.later((meta["namespace"], meta["name"]), 1.0)
                return False
            raise
        self.writes += 1
        metrics.CULLED.labels(verdict.stop or "").inc()
        log.info("notebook %s/%s: %s", meta["namespace"], meta["name"], verdict.message)
        return True

    async def write_status(self, body: dict[str, Any], new: dict[str, Any]) -> None:
        meta = body["metadata"]
        key = (meta["namespace"], meta["name"])
        old = self._old_status(key, body)
        written = self._written.get(key)
        if written is not None and written[0] <= _version(body):
            del self._written[key]  # the index has caught up: it holds what we wrote, or newer
        status = status_.with_transitions(new, old, self.clock())
        if _same_status(status, old):
            return
        patch = {
            "apiVersion": API_VERSION,
            "kind": "Notebook",
            "metadata": {"name": meta["name"], "namespace": meta["namespace"]},
            "status": status,
        }
        result = await self.call(self.kube.apply, NOTEBOOKS, patch, "status")
        self._written[key] = (_version(result), status)
        self.writes += 1
        for kind, reason, message in status_.news(status, old):
            if reason in WARNING_REASONS.values():
                metrics.WARNINGS.labels(reason.removesuffix("Warning")).inc()
            elif reason in ("KeptRunning", "KeepRunningRefused"):
                metrics.KEEP_ALIVES.labels("honoured" if reason == "KeptRunning" else "refused").inc()
            await self.post_event(body, kind, reason, message)

    async def post_event(self, body: dict[str, Any], kind: str, reason: str, message: str) -> None:
        meta = body["metadata"]
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        event = {
            "apiVersion": "events.k8s.io/v1",
            "kind": "Event",
            "metadata": {"name": f"{meta['name']}.{secrets.token_hex(8)}", "namespace": meta["namespace"]},
            "eventTime": now,
            "reportingController": "jackhoman.dev/nbctl-controller",
            "reportingInstance": "nbctl-controller",
            "action": "Reconcile",
            "type": kind,
            "reason": reason,
            "note": message[:1024],
            "regarding": {
                "apiVersion": API_VERSION,
                "kind": "Notebook",
                "name": meta["name"],
                "namespace": meta["namespace"],
                "uid": meta["uid"],
            },
        }
        try:
            await self.call(self.kube.request, "POST", EVENTS.path(meta["namespace"]), None, event)
            self.writes += 1
        except KubeError as err:  # an event is a courtesy; the status already says it
            log.warning("could not post event %s on %s/%s: %s", reason, meta["namespace"], meta["name"], err)


async def _together(*calls: Awaitable[Any]) -> None:
    """Await them all at once; the first failure is raised once every one has ended, so none is left
    writing behind the retry."""
    for outcome in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(outcome, BaseException):
            raise outcome


def _version(obj: dict[str, Any]) -> int:
    try:
        return int(obj["metadata"]["resourceVersion"])
    except (KeyError, ValueError):
        return 0


def _same_status(new: dict[str, Any], old: dict[str, Any]) -> bool:
    return {k: v for k, v in new.items() if v not in (None, [], {})} == {
        k: v for k, v in old.items() if v not in (None, [], {})
    }


def _annotations(obj: dict[str, Any]) -> dict[str, str]:
    return obj["metadata"].get("annotations") or {}


def _sts_revision(sts: dict[str, Any] | None) -> str | None:
    if sts is None:
        return None
    labels = (((sts.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {}
    return labels.get(REVISION_LABEL)


def _referenced_poddefaults(template_spec: dict[str, Any]) -> list[str]:
    names = [ref["name"] for ref in template_spec.get("required") or []]
    names += [ref["name"] for ref in template_spec.get("configurations") or []]
    return list(dict.fromkeys(names))
