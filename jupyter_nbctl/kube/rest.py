"""A small REST layer over one connection (`jupyter_nbctl.kube.connection`): dicts in, dicts out.

The callers talk to a handful of kinds whose paths they know, so no
discovery is needed, and responses never become the official client's
generated classes (slow, and heavy at thousands of objects); the controller
does not even import that client. Calls are blocking: run them in worker
threads. The connection's headers (a token, impersonation) go with every
request.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import urllib3

from jupyter_nbctl.kube.connection import Connection


@dataclass(frozen=True)
class Kind:
    """Where a kind lives in the API."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(
        self, namespace: str | None = None, name: str | None = None, subresource: str | None = None
    ) -> str:
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace and self.namespaced:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        if name:
            base += f"/{name}"
        if subresource:
            base += f"/{subresource}"
        return base


NOTEBOOKS = Kind("jackhoman.dev", "v1beta1", "notebooks", "Notebook")
TEMPLATES = Kind("jackhoman.dev", "v1beta1", "templates", "Template")
PODDEFAULTS = Kind("jackhoman.dev", "v1beta1", "poddefaults", "PodDefault")
REVISIONS = Kind("jackhoman.dev", "v1beta1", "templaterevisions", "TemplateRevision")
STATEFULSETS = Kind("apps", "v1", "statefulsets", "StatefulSet")
PODS = Kind("", "v1", "pods", "Pod")
SERVICES = Kind("", "v1", "services", "Service")
SECRETS = Kind("", "v1", "secrets", "Secret")
CONFIGMAPS = Kind("", "v1", "configmaps", "ConfigMap")
EVENTS = Kind("events.k8s.io", "v1", "events", "Event")
ROLES = Kind("rbac.authorization.k8s.io", "v1", "roles", "Role")
ROLEBINDINGS = Kind("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding")
CLAIMS = Kind("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim")
NODES = Kind("", "v1", "nodes", "Node", namespaced=False)
STORAGECLASSES = Kind("storage.k8s.io", "v1", "storageclasses", "StorageClass", namespaced=False)
VIRTUALSERVICES = Kind("networking.istio.io", "v1", "virtualservices", "VirtualService")
HTTPROUTES = Kind("gateway.networking.k8s.io", "v1", "httproutes", "HTTPRoute")


class KubeError(Exception):
    """A refusal from the API server, with its status code and message."""

    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message

    @property
    def not_found(self) -> bool:
        return self.status == 404

    @property
    def conflict(self) -> bool:
        return self.status == 409


class Kube:
    """Blocking calls to the API server through one connection."""

    def __init__(
        self,
        connection: Connection,
        field_manager: str = "nbctl-controller",
        observe: Callable[[str, str, int], None] | None = None,
    ) -> None:
        self.connection = connection
        self.field_manager = field_manager
        # Told (verb, resource, status code) of every request, for metrics.
        self.observe = observe

    def request(
        self,
        method: str,
        path: str,
        query: dict[str, Any] | None = None,
        body: Any = None,
        content_type: str = "application/json",
        timeout: float | tuple[float, float] = 30,
        stream: bool = False,
    ) -> Any:
        url = self.connection.host + path
        if query:
            url += "?" + urlencode({k: v for k, v in query.items() if v is not None})
        headers = {**self.connection.headers(), "Accept": "application/json", "Content-Type": content_type}
        payload = None if body is None else json.dumps(body)
        response = self.connection.pool.request(
            method, url, body=payload, headers=headers, preload_content=False, timeout=_timeout(timeout)
        )
        if self.observe is not None:
            self.observe(method, _resource(path), response.status)
        if response.status >= 400:
            data = response.read()
            response.release_conn()
            try:
                status = json.loads(data)
                raise KubeError(response.status, status.get("reason", ""), status.get("message", ""))
            except ValueError:
                raise KubeError(response.status, "", data.decode(errors="replace")) from None
        if stream:
            return response
        data = response.read()
        response.release_conn()
        return json.loads(data) if data else None

    def get(self, kind: Kind, namespace: str | None, name: str) -> dict[str, Any] | None:
        try:
            return self.request("GET", kind.path(namespace, name))  # type: ignore[no-any-return]
        except KubeError as err:
            if err.not_found:
                return None
            raise

    def list(
        self, kind: Kind, namespace: str | None = None, label_selector: str | None = None
    ) -> tuple[list[dict[str, Any]], str]:
        """All items; returns the items and the list's resourceVersion."""
        items: list[dict[str, Any]] = []
        version = ""
        for page, page_version in self.pages(kind, namespace, label_selector):
            items.extend(page)
            version = page_version
        return items, version

    def pages(
        self, kind: Kind, namespace: str | None = None, label_selector: str | None = None, limit: int = 500
    ) -> Iterator[tuple[list[dict[str, Any]], str]]:
        """The items page by page, each with the list's resourceVersion."""
        token = None
        while True:
            page = self.request(
                "GET",
                kind.path(namespace),
                {"labelSelector": label_selector, "limit": limit, "continue": token},
            )
            token = page["metadata"].get("continue")
            yield page.get("items") or [], page["metadata"]["resourceVersion"]
            if not token:
                return

    def watch(
        self,
        kind: Kind,
        resource_version: str,
        label_selector: str | None = None,
        timeout_seconds: int = 300,
        namespace: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Watch events from a resourceVersion; ends when the server closes the stream."""
        query = {
            "watch": "true",
            "resourceVersion": resource_version,
            "labelSelector": label_selector,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": timeout_seconds,
        }
        response = self.request(
            "GET", kind.path(namespace), query, timeout=(10, timeout_seconds + 30), stream=True
        )
        try:
            buffer = b""
            for chunk in response.stream(64 * 1024, decode_content=True):
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    if line.strip():
                        yield json.loads(line)
        finally:
            response.release_conn()

    def apply(self, kind: Kind, manifest: dict[str, Any], subresource: str | None = None) -> dict[str, Any]:
        """Server-side apply under the controller's one field manager."""
        meta = manifest["metadata"]
        return self.request(  # type: ignore[no-any-return]
            "PATCH",
            kind.path(meta.get("namespace"), meta["name"], subresource),
            {"fieldManager": self.field_manager, "force": "true"},
            body=manifest,
            content_type="application/apply-patch+yaml",
        )

    def create(self, kind: Kind, manifest: dict[str, Any]) -> dict[str, Any]:
        return self.request(  # type: ignore[no-any-return]
            "POST",
            kind.path(manifest["metadata"].get("namespace")),
            {"fieldManager": self.field_manager},
            body=manifest,
        )

    def delete(self, kind: Kind, namespace: str, name: str, uid: str) -> None:
        """Delete that object and no other: a newer one of the same name survives (a 409)."""
        self.request(
            "DELETE",
            kind.path(namespace, name),
            body={
                "apiVersion": "v1",
                "kind": "DeleteOptions",
                "preconditions": {"uid": uid},
                "propagationPolicy": "Background",
            },
        )

    def json_patch(self, kind: Kind, namespace: str, name: str, ops: list[dict[str, Any]]) -> dict[str, Any]:
        return self.request(  # type: ignore[no-any-return]
            "PATCH",
            kind.path(namespace, name),
            {"fieldManager": self.field_manager},
            body=ops,
            content_type="application/json-patch+json",
        )


def _resource(path: str) -> str:
    """`statefulsets`, `notebooks/status`, ... from a request path."""
    parts = path.split("?", 1)[0].strip("/").split("/")
    parts = parts[2:] if parts[0] == "api" else parts[3:]
    if len(parts) > 2 and parts[0] == "namespaces":
        parts = parts[2:]
    return "/".join(parts[:1] + parts[2:3])


def _timeout(value: float | tuple[float, float]) -> urllib3.Timeout:
    if isinstance(value, tuple):
        return urllib3.Timeout(connect=value[0], read=value[1])
    return urllib3.Timeout(total=value)
