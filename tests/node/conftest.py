"""What the real-node tests share: a namespace offering the real node's template, and users' servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from devcluster.cluster import Cluster
from devcluster.install import apply_real_node_template
from devcluster.jupyter import JupyterServer
from tests.extension.conftest import bind_users


@pytest.fixture
def lab_namespace(cluster: Cluster, namespace: str) -> str:
    """A namespace where alice and bob may launch, offering the real node's JupyterLab."""
    bind_users(cluster, namespace)
    apply_real_node_template(cluster, namespace)
    return namespace


def _server(cluster: Cluster, user: str, namespace: str) -> JupyterServer:
    """A user's own Jupyter Server with the extension, its Open URLs on the gateway."""
    return JupyterServer(
        cluster, user, namespace, extra=[f"--NbctlApp.notebook_url_base={cluster.gateway_url}"]
    )


@pytest.fixture
def alices_server(cluster: Cluster, lab_namespace: str) -> Iterator[JupyterServer]:
    with _server(cluster, "alice", lab_namespace) as server:
        yield server


@pytest.fixture
def bobs_server(cluster: Cluster, lab_namespace: str) -> Iterator[JupyterServer]:
    with _server(cluster, "bob", lab_namespace) as server:
        yield server
