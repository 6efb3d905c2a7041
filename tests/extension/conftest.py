"""A Jupyter Server with the extension, acting as alice in a namespace of the test's own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from tornado.httpclient import HTTPClientError

from devcluster.cluster import Cluster
from jupyter_nbctl.service import ClusterSettings, NotebookService


def bind_users(cluster: Cluster, namespace: str) -> None:
    """alice and bob (group nbctl-users) may launch notebooks in the namespace."""
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "nbctl-users", "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "nbctl-user"},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "nbctl-users"}],
    }
    cluster.kubectl("apply", "-f", "-", input=json.dumps(binding))


@pytest.fixture
def jp_server_config(cluster: Cluster, namespace: str) -> dict[str, Any]:
    bind_users(cluster, namespace)
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_nbctl": True}, "allow_unauthenticated_access": False},
        "NbctlApp": {
            "kubeconfig": str(cluster.kubeconfig("alice")),
            "namespace": namespace,
            "template_namespaces": [],
            "notebook_url_base": "https://kubeflow.example.com",
        },
    }


@pytest.fixture
def as_user(jp_serverapp: Any, cluster: Cluster, namespace: str) -> Iterator[Callable[..., None]]:
    """Make the running server act as another identity, as its own kubeconfig would."""
    made: list[NotebookService] = []

    def switch(user: str, **settings: Any) -> None:
        service = NotebookService(
            ClusterSettings(kubeconfig=str(cluster.kubeconfig(user)), namespace=namespace, **settings)
        )
        made.append(service)
        jp_serverapp.web_app.settings["nbctl_service"] = lambda: service

    yield switch
    for service in made:
        service.close()


@pytest.fixture
def api(jp_fetch: Callable[..., Any]) -> Callable[..., Any]:
    """Call /nbctl/api: returns (status, JSON body), also for 4xx and 5xx answers."""

    async def call(method: str, *path: str, body: Any = None, **kwargs: Any) -> tuple[int, Any]:
        if body is not None:
            kwargs["body"] = json.dumps(body) if not isinstance(body, str) else body
        elif method in ("POST", "PUT", "PATCH"):
            kwargs["body"] = "{}"
        try:
            response = await jp_fetch("nbctl", "api", *path, method=method, **kwargs)
        except HTTPClientError as err:
            text = err.response.body if err.response is not None else b"{}"
            return err.code, json.loads(text or b"{}")
        return response.code, json.loads(response.body) if response.body else None

    return call


async def answer_until(
    api: Callable[..., Any], path: tuple[str, ...], check: Callable[[Any], bool], timeout: float = 60
) -> Any:
    """GET path through `api` until it answers 200 with a body that passes `check`; return that body."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        code, last = await api("GET", *path)
        if code == 200 and check(last):
            return last
        await asyncio.sleep(0.3)
    raise AssertionError(f"{'/'.join(path)} never matched; last: {last}")
