"""The controller as operations teams install it: deploy/ applied, its image built here, on the real node.

The Deployment keeps deploy/'s security settings (non-root, read-only root
file system, no capabilities, the runtime's seccomp profile); running from
the image built from controller/Dockerfile, it drives a notebook to Running
(reachable through the gateway) and serves /metrics.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator

import pytest

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from devcluster.deployment import NAME, NAMESPACE, DeployedController, deploy_controller, undeploy_controller
from devcluster.install import apply_real_node_template
from devcluster.node import NODE_NAME
from tests.controller.helpers import create, notebook, wait_phase
from tests.eventually import eventually
from tests.extension.conftest import bind_users
from tests.node.jupyter import keyed_client, notebook_key


@pytest.fixture
def deployed(cluster: Cluster, controller: ControllerProcess) -> Iterator[DeployedController]:
    """The in-cluster controller instead of the session's (two would both reconcile)."""
    controller.stop()
    try:
        yield deploy_controller(cluster)
    finally:
        undeploy_controller(cluster)
        controller.start()


@pytest.mark.timeout(300)
def test_the_deployed_image_runs_locked_down_and_drives_a_real_notebook(
    cluster: Cluster, admin: Kube, alice: Kube, namespace: str, deployed: DeployedController
) -> None:
    # The pod runs the image built here, on the real node, as deploy/ locks it down
    pod = next(
        p
        for p in admin.core.list_namespaced_pod(
            NAMESPACE, label_selector=f"app.kubernetes.io/name={NAME}"
        ).items
        if p.status.phase == "Running"
    )
    assert pod.spec.node_name == NODE_NAME
    container = pod.spec.containers[0]
    assert container.image == cluster.built_images["controller"].ref
    assert pod.spec.security_context.run_as_non_root is True
    assert pod.spec.security_context.seccomp_profile.type == "RuntimeDefault"
    assert container.security_context.read_only_root_filesystem is True
    assert container.security_context.allow_privilege_escalation is False
    assert container.security_context.capabilities.drop == ["ALL"]
    uid = cluster.kubectl("exec", "-n", NAMESPACE, pod.metadata.name, "--", "id", "-u").stdout.strip()
    assert uid == "65532"
    written = cluster.kubectl(
        "exec", "-n", NAMESPACE, pod.metadata.name, "--", "touch", "/opt/nbctl/x", check=False
    )
    assert written.returncode != 0 and "Read-only file system" in written.stderr

    # When alice creates a notebook of the real node's template
    bind_users(cluster, namespace)
    apply_real_node_template(cluster, namespace)
    create(alice, namespace, notebook("lab", "jupyterlab"))

    # Then the deployed controller brings it to Running, routed through the gateway
    status = wait_phase(admin, namespace, "lab", "Running", timeout=120)
    key = notebook_key(admin, namespace, "lab")
    client = keyed_client(f"{cluster.gateway_url}{status['url']}", key, f"{namespace}/lab")
    eventually(
        lambda: client.status().status_code,
        lambda code: code == 200,
        timeout=60,
        what="the notebook to answer",
    )

    # And it serves its metrics
    with urllib.request.urlopen(f"{deployed.metrics_url}/metrics", timeout=10) as response:
        metrics = response.read().decode()
    assert "nbctl_" in metrics
