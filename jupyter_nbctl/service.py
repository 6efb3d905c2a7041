"""What the REST API does, without tornado: the user's notebooks, as the user.

Every call carries the identity of the credentials the server runs with (its
kubeconfig, or in-cluster), or impersonates the hub's user where configured.
The server never reads or writes notebooks as itself. Calls block: the
handlers run them off the event loop. Kubernetes' refusals become NbctlError
with a status code and a message a person understands.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import urllib3
from kubernetes import client, config
from kubernetes.client import ApiException
from nbctl_guard.tickets import SECRET_KEY, TICKET_PARAM, Purpose, access_secret_name, mint
from pydantic import ValidationError

from jupyter_nbctl.api_models import (
    BoundsView,
    ConfigurationView,
    CullingView,
    EventList,
    EventView,
    GpuView,
    Identity,
    KeptWorkspaceView,
    LaunchRequest,
    LaunchResources,
    LogsView,
    NotebookList,
    NotebookView,
    NotebookWorkspaceView,
    OpenView,
    ResizeRequest,
    ResourceBoundsView,
    ResourcesView,
    RevisionChange,
    TemplateList,
    TemplateRefView,
    TemplateView,
    UpdateView,
    WorkspaceList,
    WorkspaceOfferView,
)
from jupyter_nbctl.kube.connection import Connection
from jupyter_nbctl.kube.informer import Informer
from jupyter_nbctl.kube.rest import NOTEBOOKS, Kube
from jupyter_nbctl.models import GROUP, VERSION, Notebook, Template
from jupyter_nbctl.models.bounds import OutOfBounds, resolve_resources, resolve_workspace_size
from jupyter_nbctl.models.culling import STATES as CULLING_STATES
from jupyter_nbctl.models.culling import seconds
from jupyter_nbctl.models.quantity import parse_quantity
from jupyter_nbctl.models.revision import PodDefaultSnapshot, TemplateRevisionSpec
from jupyter_nbctl.models.workspace import NOTEBOOK_UID_ANNOTATION, OWNER_ANNOTATION, WORKSPACE_LABEL
from jupyter_nbctl.revision_diff import revision_changes

# The controller's label on its children (nbctl_controller.names; the extension does not import it).
NOTEBOOK_LABEL = "jackhoman.dev/notebook"
WORKSPACE_SELECTOR = f"app.kubernetes.io/managed-by=nbctl-controller,{WORKSPACE_LABEL}=true"

IN_CLUSTER_NAMESPACE = Path("/var/run/secrets/kubernetes.io/serviceaccount/namespace")


class NbctlError(Exception):
    """A request that cannot be done, with the HTTP status to answer and why."""

    def __init__(self, status: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason


@dataclass(frozen=True)
class ClusterSettings:
    """How the server reaches the cluster, and as whom (see docs/extension.md)."""

    kubeconfig: str | None = None
    context: str | None = None
    namespace: str | None = None
    impersonate_user: str | None = None
    impersonate_group: str | None = None
    template_namespaces: tuple[str, ...] = ("kubeflow",)
    notebook_url_base: str = ""
    request_timeout: float = 15.0
    log_lines: int = 200

    @property
    def personal(self) -> bool:
        """The server acts as a person (a kubeconfig, or impersonating one), not as its pod's own
        ServiceAccount, as a notebook's own JupyterLab does."""
        return bool(self.kubeconfig or self.impersonate_user or not IN_CLUSTER_NAMESPACE.exists())


@dataclass
class _Cached:
    value: Any
    until: float


@dataclass
class NotebookService:
    """The cluster, as one user sees it."""

    settings: ClusterSettings
    api: client.ApiClient = field(init=False)
    namespace: str = field(init=False)
    _identity: _Cached | None = field(default=None, init=False)
    _cache: Informer | None = field(default=None, init=False)
    # Views by notebook, with the resourceVersion they were made from: a list
    # re-renders only what changed, which keeps the garbage collector quiet.
    _views: dict[str, tuple[str, NotebookView]] = field(default_factory=dict, init=False)
    _watch_lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        configuration = client.Configuration()
        context_namespace = None
        try:
            if self.settings.kubeconfig or not IN_CLUSTER_NAMESPACE.exists():
                config.load_kube_config(
                    config_file=self.settings.kubeconfig,
                    context=self.settings.context,
                    client_configuration=configuration,
                )
                _, active = config.list_kube_config_contexts(config_file=self.settings.kubeconfig)
                if self.settings.context:
                    contexts, _ = config.list_kube_config_contexts(config_file=self.settings.kubeconfig)
                    active = next(c for c in contexts if c["name"] == self.settings.context)
                context_namespace = (active.get("context") or {}).get("namespace")
            else:
                config.load_incluster_config(client_configuration=configuration)
        except (config.ConfigException, OSError, StopIteration) as err:
            raise NbctlError(
                503, f"No Kubernetes credentials could be loaded: {err}", "NoCredentials"
            ) from err
        self.api = client.ApiClient(configuration)
        if self.settings.impersonate_user:
            self.api.set_default_header("Impersonate-User", self.settings.impersonate_user)
            if self.settings.impersonate_group:
                self.api.set_default_header("Impersonate-Group", self.settings.impersonate_group)
        in_cluster = IN_CLUSTER_NAMESPACE.read_text().strip() if IN_CLUSTER_NAMESPACE.exists() else None
        self.namespace = self.settings.namespace or context_namespace or in_cluster or "default"

    def close(self) -> None:
        """Stop the notebooks watch and release the connections."""
        if self._cache is not None:
            self._cache.stop()
        self.api.close()

    # ------------------------------------------------------------- plumbing

    def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("_request_timeout", self.settings.request_timeout)
        try:
            return fn(*args, **kwargs)
        except ApiException as err:
            raise _refusal(err) from err
        except (urllib3.exceptions.HTTPError, OSError) as err:
            raise NbctlError(
                503,
                f"The Kubernetes API at {self.api.configuration.host} cannot be reached: {err}",
                "ClusterUnreachable",
            ) from err

    @property
    def _custom(self) -> client.CustomObjectsApi:
        return client.CustomObjectsApi(self.api)

    @property
    def _core(self) -> client.CoreV1Api:
        return client.CoreV1Api(self.api)

    def _get_notebook(self, name: str) -> dict[str, Any]:
        """One of the user's notebooks; another user's is refused by name (the panel shows only theirs)."""
        try:
            body: dict[str, Any] = self._call(
                self._custom.get_namespaced_custom_object, GROUP, VERSION, self.namespace, "notebooks", name
            )
        except NbctlError as err:
            if err.status == 403:
                # Users may get only their own notebooks by name; a list says whose it is.
                raise self._not_yours(name, err) from err
            if err.status == 404:
                raise NbctlError(
                    404, f"Notebook {name} does not exist in namespace {self.namespace}.", "NotFound"
                ) from err
            raise
        owner = (body.get("spec") or {}).get("owner") or "no one"
        if owner != self.whoami().username:
            # Anyone may read a notebook (kubectl apply needs it); what they may change is their own.
            raise NbctlError(
                403,
                f"Notebook {name} belongs to {owner}: only its owner or an admin may see or change it.",
                "Forbidden",
            )
        return body

    def _not_yours(self, name: str, refusal: NbctlError) -> NbctlError:
        try:
            items = self._call(
                self._custom.list_namespaced_custom_object,
                GROUP,
                VERSION,
                self.namespace,
                "notebooks",
                field_selector=f"metadata.name={name}",
            )["items"]
        except NbctlError:
            return refusal
        if not items:
            return NbctlError(
                404, f"Notebook {name} does not exist in namespace {self.namespace}.", "NotFound"
            )
        owner = (items[0].get("spec") or {}).get("owner") or "no one"
        return NbctlError(
            403,
            f"Notebook {name} belongs to {owner}: only its owner or an admin may see or change it. "
            f"({refusal.message})",
            "Forbidden",
        )

    def _patch_notebook(self, name: str, patch: dict[str, Any]) -> NotebookView:
        self._get_notebook(name)  # a clear 404 first
        body = self._call(
            self._custom.patch_namespaced_custom_object,
            GROUP,
            VERSION,
            self.namespace,
            "notebooks",
            name,
            patch,
        )
        self._remember(body)
        return self._view(body)

    def _template(self, name: str, namespace: str) -> dict[str, Any]:
        try:
            return self._call(
                self._custom.get_namespaced_custom_object, GROUP, VERSION, namespace, "templates", name
            )  # type: ignore[no-any-return]
        except NbctlError as err:
            if err.status == 404:
                raise NbctlError(
                    422, f"Template {namespace}/{name} does not exist.", "TemplateNotFound"
                ) from err
            raise

    # ------------------------------------------------------------ identity

    def whoami(self) -> Identity:
        """The user the cluster sees, from a SelfSubjectReview (cached for a minute)."""
        if self._identity is not None and self._identity.until > time.monotonic():
            return self._identity.value  # type: ignore[no-any-return]
        review = self._call(
            client.AuthenticationV1Api(self.api).create_self_subject_review,
            {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
        )
        info = review.status.user_info
        identity = Identity(username=info.username, groups=list(info.groups or []), namespace=self.namespace)
        self._identity = _Cached(identity, time.monotonic() + 60)
        return identity

    # ----------------------------------------------------------- templates

    def templates(self) -> TemplateList:
        """Templates in the configured namespaces and the user's own that the namespace may use."""
        labels = self._namespace_labels()
        items: list[TemplateView] = []
        for namespace in dict.fromkeys([*self.settings.template_namespaces, self.namespace]):
            try:
                found = self._call(
                    self._custom.list_namespaced_custom_object, GROUP, VERSION, namespace, "templates"
                )["items"]
            except NbctlError as err:
                if err.status in (403, 404):
                    continue  # not readable for this user: not offered
                raise
            poddefaults = self._poddefaults(namespace) if found else {}
            for body in found:
                try:
                    template = Template.model_validate(body)
                except ValidationError:
                    continue
                selector = template.spec.namespace_selector
                if selector is not None and labels is not None and not selector.matches(labels):
                    continue
                items.append(_template_view(template, poddefaults))
        return TemplateList(items=sorted(items, key=lambda t: t.display_name.lower()))

    def _poddefaults(self, namespace: str) -> dict[str, dict[str, Any]]:
        """The PodDefaults of a namespace by name (their specs), to describe configurations; one call."""
        try:
            found = self._call(
                self._custom.list_namespaced_custom_object, GROUP, VERSION, namespace, "poddefaults"
            )["items"]
        except NbctlError:
            return {}  # not readable: configurations show by name only
        return {pd["metadata"]["name"]: pd.get("spec") or {} for pd in found}

    def _namespace_labels(self) -> dict[str, str] | None:
        """The user's namespace's labels, or None when the user may not read them."""
        try:
            return self._call(self._core.read_namespace, self.namespace).metadata.labels or {}
        except NbctlError:
            return None

    # ----------------------------------------------------------- notebooks

    def _watched(self) -> list[dict[str, Any]] | None:
        """The namespace's notebooks from a watch the service keeps, once it has filled."""
        with self._watch_lock:
            if self._cache is None:
                self._cache = Informer(
                    Kube(Connection.from_api_client(self.api), "jupyter-nbctl"),
                    NOTEBOOKS,
                    lambda old, new: None,
                    _without_managed_fields,
                    namespace=self.namespace,
                )
                self._cache.start()
        self._cache.synced.wait(self.settings.request_timeout)
        return self._cache.items(self.namespace) if self._cache.synced.is_set() else None

    def warm(self) -> int | None:
        """Ask who the user is while the watch fills, and render the list once, so the panel's first
        list finds it made: how many notebooks it holds, or None when refused (the requests that meet
        the refusal report it)."""
        with ThreadPoolExecutor(1) as pool:
            watched = pool.submit(self._watched)
            try:
                self.whoami()
                watched.result()
                return len(self.notebooks().items)
            except NbctlError:
                return None

    def _remember(self, body: dict[str, Any]) -> None:
        if self._cache is not None:
            self._cache.remember(body)

    def notebooks(self) -> NotebookList:
        """The user's notebooks: from the service's watch, or one list call until it has filled."""
        me = self.whoami().username
        items = self._watched()
        if items is None:
            items = self._call(
                self._custom.list_namespaced_custom_object, GROUP, VERSION, self.namespace, "notebooks"
            )["items"]
        views = []
        for item in items:
            meta = item.get("metadata") or {}
            if (item.get("spec") or {}).get("owner") != me:
                continue
            version = meta.get("resourceVersion", "")
            cached = self._views.get(meta.get("name", ""))
            if cached is None or cached[0] != version:
                cached = (version, self._view(item, me))
                self._views[meta.get("name", "")] = cached
            views.append(cached[1])
        names = {v.name for v in views}
        for stale in [n for n in self._views if n not in names]:
            self._views.pop(stale, None)  # another request may have dropped it first
        return NotebookList(items=sorted(views, key=lambda v: v.created or "", reverse=True))

    def notebook(self, name: str) -> NotebookView:
        return self._view(self._get_notebook(name))

    def launch(self, request: LaunchRequest) -> NotebookView:
        """Create a notebook after checking it against its template; nothing is made on a refusal."""
        template_ns = request.template.namespace or self.namespace
        template = Template.model_validate(self._template(request.template.name, template_ns))
        offered = {c.name for c in template.spec.configurations}
        unknown = [c for c in request.configurations if c not in offered]
        if unknown:
            raise NbctlError(
                422,
                f"Template {template_ns}/{template.metadata.name} does not offer the configuration "
                + ", ".join(unknown)
                + (f"; it offers {', '.join(sorted(offered))}." if offered else "; it offers none."),
                "ConfigurationNotOffered",
            )
        self._check_bounds(template, request.resources)
        workspace = request.workspace
        settings = template.spec.workspace
        if not settings.enabled and (workspace.size is not None or workspace.existing_claim):
            raise NbctlError(
                422,
                f"Template {template_ns}/{template.metadata.name} gives its notebooks no workspace "
                "(scratch only): leave out the workspace size and claim, or mount the claim as a data "
                "volume.",
                "WorkspaceNotOffered",
            )
        if settings.enabled and workspace.size is not None:
            self._check_workspace_size(template, workspace.size)
        if settings.enabled and not workspace.existing_claim:
            claim = f"{request.name}-workspace"
            kept = next((w for w in self.workspaces().items if w.name == claim and not w.in_use), None)
            if kept is not None:
                raise NbctlError(
                    409,
                    f"Your workspace {claim}, kept from an earlier notebook {kept.notebook}, has the name "
                    f"a new notebook {request.name} would give its workspace: reattach it, or pick "
                    "another name.",
                    "WorkspaceKept",
                )
        notebook = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Notebook",
            "metadata": {"name": request.name, "namespace": self.namespace},
            "spec": {
                "templateRef": {"name": request.template.name, "namespace": template_ns},
                "resources": request.resources.to_dict(),
                "configurations": request.configurations,
                "updatePolicy": request.update_policy,
                "workspace": workspace.to_dict(),
                **(
                    {"dataVolumes": [v.to_dict() for v in request.data_volumes]}
                    if request.data_volumes
                    else {}
                ),
            },
        }
        try:
            body = self._call(
                self._custom.create_namespaced_custom_object,
                GROUP,
                VERSION,
                self.namespace,
                "notebooks",
                notebook,
            )
        except NbctlError as err:
            if err.status == 409:
                raise NbctlError(
                    409,
                    f"A notebook named {request.name} already exists in namespace "
                    f"{self.namespace}; pick another name.",
                    "AlreadyExists",
                ) from err
            raise
        self._remember(body)
        return self._view(body)

    def _check_bounds(self, template: Template, resources: LaunchResources) -> None:
        try:
            resolve_resources(template.spec.resources.to_dict(), resources.to_dict())
        except OutOfBounds as err:
            raise NbctlError(422, str(err)[0].upper() + str(err)[1:] + ".", "ResourcesOutOfBounds") from err

    def _check_workspace_size(self, template: Template, size: Any) -> None:
        try:
            resolve_workspace_size(template.spec.workspace.size.to_dict(), size)
        except OutOfBounds as err:
            raise NbctlError(422, str(err)[0].upper() + str(err)[1:] + ".", "WorkspaceOutOfBounds") from err

    def stop(self, name: str) -> NotebookView:
        return self._patch_notebook(name, {"spec": {"stopped": True}})

    def start(self, name: str) -> NotebookView:
        return self._patch_notebook(name, {"spec": {"stopped": False}})

    def keep_running(self, name: str) -> NotebookView:
        """Postpone an idle stop as far as the notebook's template allows, from now."""
        view = self._view(self._get_notebook(name))
        if view.culling is None or view.culling.state in ("Stopped",):
            raise NbctlError(409, f"Notebook {name} is not running under a culling policy.", "NotCulled")
        if not view.culling.keep_alive:
            raise NbctlError(
                409, f"The template of notebook {name} does not let owners postpone a stop.", "NoKeepAlive"
            )
        until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds(view.culling.keep_alive))
        stamp = until.strftime("%Y-%m-%dT%H:%M:%SZ")
        return self._patch_notebook(name, {"spec": {"keepRunningUntil": stamp}})

    def resize(self, name: str, request: ResizeRequest) -> NotebookView:
        """New resources (the notebook restarts), a bigger workspace (it does not), or both."""
        if request.resources is None and request.workspace is None:
            raise NbctlError(422, "Say what to resize: resources, workspace, or both.", "NothingToResize")
        body = self._get_notebook(name)
        ref = body["spec"]["templateRef"]
        template = Template.model_validate(
            self._template(ref["name"], ref.get("namespace") or self.namespace)
        )
        spec: dict[str, Any] = {}
        if request.resources is not None:
            self._check_bounds(template, request.resources)
            # A merge patch sets exactly the three values, clearing the ones left out.
            spec["resources"] = {k: request.resources.to_dict().get(k) for k in ("cpu", "memory", "gpu")}
        if request.workspace is not None:
            status = (body.get("status") or {}).get("workspace")
            if not template.spec.workspace.enabled or not status:
                raise NbctlError(409, f"Notebook {name} has no workspace to resize.", "NoWorkspace")
            size = request.workspace.size
            self._check_workspace_size(template, size)
            now = status.get("size")
            if now is not None and parse_quantity(size) < parse_quantity(now):
                raise NbctlError(
                    422,
                    f"The workspace of {name} is {now}: a volume only grows, so {size} is refused.",
                    "WorkspaceCannotShrink",
                )
            spec["workspace"] = {"size": size}
        return self._patch_notebook(name, {"spec": spec})

    def update(self, name: str) -> NotebookView:
        """Move the notebook to its template's newest revision (it restarts if running)."""
        body = self._get_notebook(name)
        latest = (body.get("status") or {}).get("latestRevision")
        if not latest:
            raise NbctlError(409, f"Notebook {name} has no newer revision to update to yet.", "NoRevision")
        return self._patch_notebook(name, {"spec": {"revision": latest}})

    def update_preview(self, name: str) -> UpdateView:
        """What Update would change: the two revisions compared, and whether the notebook restarts."""
        body = self._get_notebook(name)
        status = body.get("status") or {}
        current, latest = status.get("currentRevision"), status.get("latestRevision")
        view = UpdateView(
            current=current,
            latest=latest,
            available=bool(status.get("updateAvailable")),
            restarts=not (body.get("spec") or {}).get("stopped", False),
        )
        if not (view.available and current and latest):
            return view

        get = self._custom.get_namespaced_custom_object
        before = TemplateRevisionSpec.model_validate(
            self._call(get, GROUP, VERSION, self.namespace, "templaterevisions", current)["spec"]
        )
        try:
            stored = self._call(get, GROUP, VERSION, self.namespace, "templaterevisions", latest)
        except NbctlError as err:
            if err.status != 404:
                raise
            stored = None
        if stored is not None:
            view.changes = revision_changes(before, TemplateRevisionSpec.model_validate(stored["spec"]))
            return view
        # The controller stores a revision when a notebook first runs it: until then, the newest is
        # the live Template with its PodDefaults, as the controller snapshots them.
        source = before.template
        template = Template.model_validate(
            self._call(get, GROUP, VERSION, source.namespace, "templates", source.name)
        ).spec
        poddefaults = self._poddefaults(source.namespace)

        def snapshot(name: str, default: bool = False) -> PodDefaultSnapshot:
            spec = poddefaults.get(name) or {}
            return PodDefaultSnapshot(
                name=name,
                display_name=spec.get("displayName"),
                description=spec.get("description"),
                default=default,
                template=dict(spec.get("template") or {}),
            )

        after = TemplateRevisionSpec(
            template=source,
            pod_template=template.template.to_dict(),
            required=[snapshot(ref.name) for ref in template.required],
            configurations=[
                snapshot(c.name, c.default) for c in template.configurations if c.name in poddefaults
            ],
            resources=template.resources,
            dependencies=template.dependencies,
            render_version=before.render_version,
            route=template.route,
        )
        # The revision's pod template has the required PodDefaults merged in, the Template's does not:
        # only the images compare between them, and anything else shows as one line.
        view.changes = revision_changes(before, after, other_pod_settings=False) or [
            RevisionChange(what="Other pod settings", before="as they were", after="changed")
        ]
        return view

    def delete(self, name: str, workspace: str = "keep") -> None:
        """Delete a notebook; its workspace is kept unless `workspace` is "delete"."""
        if workspace not in ("keep", "delete"):
            raise NbctlError(
                422, f"workspace must be keep or delete, not {workspace!r}.", "BadWorkspaceChoice"
            )
        body = self._get_notebook(name)
        if workspace == "delete":
            claim = ((body.get("status") or {}).get("workspace") or {}).get("claimName")
            made = _condition(body, "WorkspaceReady").get("reason") != "ExternalClaim"
            if claim and made:
                # First the claim (the owner's Role grants it), so a refusal deletes nothing. Kubernetes
                # keeps it until the pod is gone.
                try:
                    self._call(self._core.delete_namespaced_persistent_volume_claim, claim, self.namespace)
                except NbctlError as err:
                    if err.status != 404:
                        raise
        self._call(
            self._custom.delete_namespaced_custom_object,
            GROUP,
            VERSION,
            self.namespace,
            "notebooks",
            name,
            propagation_policy="Background",
        )
        if self._cache is not None:
            self._cache.forget(self.namespace, name)

    # ------------------------------------------------------------ workspaces

    def workspaces(self) -> WorkspaceList:
        """The user's workspaces: kept ones (to reattach or delete) first, then those in use."""
        me = self.whoami().username
        claims = self._call(
            self._core.list_namespaced_persistent_volume_claim,
            self.namespace,
            label_selector=WORKSPACE_SELECTOR,
            _preload_content=False,
        )
        live = {
            (item["metadata"]["name"], item["metadata"].get("uid"))
            for item in (
                self._watched()
                or self._call(
                    self._custom.list_namespaced_custom_object, GROUP, VERSION, self.namespace, "notebooks"
                )["items"]
            )
        }
        items = []
        for claim in json.loads(claims.data)["items"]:
            meta = claim["metadata"]
            annotations = meta.get("annotations") or {}
            if annotations.get(OWNER_ANNOTATION) != me or meta.get("deletionTimestamp"):
                continue
            notebook = (meta.get("labels") or {}).get(NOTEBOOK_LABEL, "")
            items.append(
                KeptWorkspaceView(
                    name=meta["name"],
                    notebook=notebook,
                    in_use=(notebook, annotations.get(NOTEBOOK_UID_ANNOTATION)) in live,
                    size=((claim.get("spec") or {}).get("resources") or {})
                    .get("requests", {})
                    .get("storage"),
                    capacity=((claim.get("status") or {}).get("capacity") or {}).get("storage"),
                    phase=(claim.get("status") or {}).get("phase"),
                    created=meta.get("creationTimestamp"),
                )
            )
        return WorkspaceList(items=sorted(items, key=lambda w: (w.in_use, w.name)))

    def delete_workspace(self, name: str) -> None:
        """Delete a kept workspace of the user's; one in use goes only with its notebook."""
        found = next((w for w in self.workspaces().items if w.name == name), None)
        if found is None:
            raise NbctlError(404, f"You have no workspace named {name} in {self.namespace}.", "NotFound")
        if found.in_use:
            raise NbctlError(
                409,
                f"Workspace {name} is in use by notebook {found.notebook}: delete the notebook and "
                "its workspace together, or the notebook first.",
                "WorkspaceInUse",
            )
        self._call(self._core.delete_namespaced_persistent_volume_claim, name, self.namespace)

    # ---------------------------------------------------------------- open

    def open(self, name: str) -> OpenView:
        """The notebook's address with a one-use ticket, minted with the notebook's key as its owner.

        The key is read through the owner's Role (nobody else's grants it, unless they may read every
        Secret of the namespace); the guard in the notebook's pod trades the ticket for a session.
        """
        body = self._get_notebook(name)
        view = self._view(body)
        if view.url is None:
            raise NbctlError(409, f"Notebook {name} has no address yet (it is {view.phase}).", "NotReady")
        try:
            secret = self._call(self._core.read_namespaced_secret, access_secret_name(name), self.namespace)
        except NbctlError as err:
            # 403: the owner's Role names the key only once it is the one made for this notebook.
            if err.status in (403, 404):
                raise NbctlError(
                    409, f"Notebook {name} has no key yet: the controller makes one as it starts.", "NoKey"
                ) from err
            raise
        owners = secret.metadata.owner_references or []
        if not any(o.controller and o.uid == body["metadata"]["uid"] for o in owners):
            raise NbctlError(
                409,
                f"Secret {self.namespace}/{access_secret_name(name)} is not the key the controller made for "
                f"notebook {name}: the notebook cannot be opened until that Secret is removed.",
                "NameTaken",
            )
        try:
            key = base64.b64decode((secret.data or {})[SECRET_KEY], validate=True)
        except (KeyError, binascii.Error) as err:
            raise NbctlError(409, f"The key of notebook {name} is unreadable: {err}", "NoKey") from err
        now = time.time()
        ticket = mint(key, Purpose.TICKET, f"{self.namespace}/{name}", now)
        expires = dt.datetime.fromtimestamp(int(now) + Purpose.TICKET.ttl, dt.UTC)
        return OpenView(url=f"{view.url}?{TICKET_PARAM}={ticket}", expires=expires.isoformat())

    # -------------------------------------------------------- events, logs

    def events(self, name: str) -> EventList:
        """Events of the notebook and of its pod, newest first."""
        self._get_notebook(name)
        items: list[EventView] = []
        for kind, obj in (("Notebook", name), ("Pod", f"{name}-0")):
            # Raw JSON: the client's Event model refuses events without an eventTime.
            response = self._call(
                self._core.list_namespaced_event,
                self.namespace,
                field_selector=f"involvedObject.name={obj},involvedObject.kind={kind}",
                _preload_content=False,
            )
            for event in json.loads(response.data)["items"]:
                items.append(
                    EventView(
                        type=event.get("type") or "Normal",
                        reason=event.get("reason") or "",
                        message=event.get("message") or "",
                        object=f"{kind}/{obj}",
                        count=event.get("count") or 1,
                        last_seen=event.get("lastTimestamp")
                        or event.get("eventTime")
                        or event["metadata"].get("creationTimestamp"),
                    )
                )
        return EventList(items=sorted(items, key=lambda e: e.last_seen or "", reverse=True))

    def logs(self, name: str) -> LogsView:
        """The last lines of the notebook container's log."""
        body = self._get_notebook(name)
        pod = f"{name}-0"
        try:
            spec = self._call(self._core.read_namespaced_pod, pod, self.namespace).spec
        except NbctlError as err:
            if err.status == 404:
                phase = (body.get("status") or {}).get("phase", "not running")
                raise NbctlError(
                    409, f"Notebook {name} has no pod to read logs from (it is {phase}).", "NoPod"
                ) from err
            raise
        container = spec.containers[0].name
        try:
            text = self._call(
                self._core.read_namespaced_pod_log,
                pod,
                self.namespace,
                container=container,
                tail_lines=self.settings.log_lines,
            )
        except NbctlError as err:
            if err.status in (400, 500, 502, 503):
                raise NbctlError(
                    502,
                    f"The logs of {pod} could not be read from its node: {err.message}",
                    "LogsUnavailable",
                ) from err
            raise
        return LogsView(container=container, text=text or "")

    # --------------------------------------------------------------- views

    def _view(self, body: dict[str, Any], me: str | None = None) -> NotebookView:
        nb = Notebook.model_validate(body)
        status = nb.status
        ready = next((c for c in status.conditions if c.type == "Ready"), None) if status else None
        resolved = (
            next((c for c in status.conditions if c.type == "TemplateResolved"), None) if status else None
        )
        problem = resolved if resolved is not None and resolved.status == "False" else None
        reason_from = problem or (ready if ready is not None and ready.status != "True" else None)
        url = status.url if status and status.url else None
        me = me if me is not None else (self._identity.value.username if self._identity else None)
        return NotebookView(
            name=nb.metadata.name or "",
            namespace=nb.metadata.namespace or self.namespace,
            owner=nb.spec.owner,
            template=TemplateRefView(
                name=nb.spec.template_ref.name, namespace=nb.spec.template_ref.namespace or self.namespace
            ),
            phase=status.phase if status and status.phase else "Unknown",
            ready=bool(ready and ready.status == "True"),
            reason=reason_from.reason if reason_from else "",
            message=reason_from.message if reason_from else "",
            url=(self.settings.notebook_url_base.rstrip("/") + url) if url else None,
            stopped=nb.spec.stopped,
            resources=ResourcesView(
                cpu=None if nb.spec.resources.cpu is None else str(nb.spec.resources.cpu),
                memory=None if nb.spec.resources.memory is None else str(nb.spec.resources.memory),
                gpu=nb.spec.resources.gpu,
            ),
            update_policy=nb.spec.update_policy,
            configurations=nb.spec.configurations,
            current_revision=status.current_revision if status else None,
            latest_revision=status.latest_revision if status else None,
            update_available=bool(status and status.update_available),
            conditions=status.conditions if status else [],
            workspace=_workspace_view(nb, status),
            created=(body.get("metadata") or {}).get("creationTimestamp"),
            mine=me is None or nb.spec.owner == me,
            culling=_culling_view(status),
        )


def _culling_view(status: Any) -> CullingView | None:
    condition = next((c for c in status.conditions if c.type == "Culling"), None) if status else None
    if condition is None or condition.reason not in CULLING_STATES:
        return None
    culling = status.culling
    return CullingView(
        state=CULLING_STATES[condition.reason],  # type: ignore[arg-type]
        reason=condition.reason,
        message=condition.message,
        stop_at=culling.stop_at if culling else None,
        keep_alive=culling.keep_alive if culling else None,
        kept_until=culling.kept_until if culling else None,
    )


def _without_managed_fields(body: dict[str, Any]) -> dict[str, Any]:
    meta = {k: v for k, v in (body.get("metadata") or {}).items() if k != "managedFields"}
    return {**body, "metadata": meta}


def _condition(body: dict[str, Any], kind: str) -> dict[str, Any]:
    conditions = (body.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == kind), {})


def _workspace_view(nb: Notebook, status: Any) -> NotebookWorkspaceView | None:
    ws = status.workspace if status else None
    if ws is None:
        return None
    condition = next((c for c in status.conditions if c.type == "WorkspaceReady"), None)
    return NotebookWorkspaceView(
        claim_name=ws.claim_name,
        mount_path=ws.mount_path,
        size=_opt(ws.size),
        capacity=_opt(ws.capacity),
        phase=ws.phase,
        on_delete=nb.spec.workspace.on_delete,
        ready=bool(condition and condition.status == "True"),
        reason=condition.reason if condition else "",
        message=condition.message if condition else "",
    )


def _template_view(template: Template, poddefaults: dict[str, dict[str, Any]]) -> TemplateView:
    spec = template.spec
    bounds = spec.resources
    offered = [
        ConfigurationView(
            name=c.name,
            display_name=(poddefaults.get(c.name) or {}).get("displayName") or c.name,
            description=(poddefaults.get(c.name) or {}).get("description") or "",
            default=c.default,
        )
        for c in spec.configurations
    ]
    return TemplateView(
        name=template.metadata.name or "",
        namespace=template.metadata.namespace or "",
        display_name=spec.display_name or template.metadata.name or "",
        description=spec.description or "",
        icon=spec.icon,
        image=spec.template.spec.containers[0].image,
        configurations=offered,
        resources=ResourceBoundsView(
            cpu=BoundsView(
                default=str(bounds.cpu.default), min=_opt(bounds.cpu.min), max=_opt(bounds.cpu.max)
            ),
            memory=BoundsView(
                default=str(bounds.memory.default), min=_opt(bounds.memory.min), max=_opt(bounds.memory.max)
            ),
            gpu=GpuView(default=bounds.gpu.default, min=bounds.gpu.min, max=bounds.gpu.max),
        ),
        workspace=(
            WorkspaceOfferView(
                mount_path=spec.workspace.mount_path,
                size=BoundsView(
                    default=str(spec.workspace.size.default),
                    min=_opt(spec.workspace.size.min),
                    max=_opt(spec.workspace.size.max),
                ),
                storage_class_name=spec.workspace.storage_class_name,
                access_mode=spec.workspace.access_mode,
            )
            if spec.workspace.enabled
            else None
        ),
    )


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _refusal(err: ApiException) -> NbctlError:
    """Kubernetes' Status as a message for a person, with the same HTTP status."""
    try:
        status = json.loads(err.body or "{}")
        message = status.get("message") or err.reason or "the request was refused"
        reason = status.get("reason") or None
    except (ValueError, TypeError):
        message, reason = err.reason or "the request was refused", None
    code = err.status or 500
    if code == 403:
        message = f"Kubernetes refused this: {message}"
    elif code >= 500:
        code = 502
        message = f"The Kubernetes API failed: {message}"
    return NbctlError(code, message, reason)
