"""The ownership tests' common start: alice and bob may create notebooks in a namespace with a template."""

from __future__ import annotations

import pytest

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from tests.controller.helpers import create, template
from tests.ownership.scene import Scene, bind_users


@pytest.fixture
def lab(
    cluster: Cluster, admin: Kube, alice: Kube, bob: Kube, controller: ControllerProcess, namespace: str
) -> Scene:
    """nbctl-user for alice and bob, and a Template "lab", in the test's namespace."""
    bind_users(cluster, namespace)
    create(admin, namespace, template("lab"))
    return Scene(cluster, namespace, alice, bob, admin)
