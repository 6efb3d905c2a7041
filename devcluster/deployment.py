"""The controller installed as an operations team would: `kubectl apply --server-side -k`.

An overlay of deploy/ (written into the cluster's folder) names the image
built here and fits the Deployment to the local cluster; everything else,
security settings included, is deploy/ as it ships:

- the image `registry.local/jupyter-nbctl/controller:<content hash>`, never
  pulled (`imagePullPolicy: Never`), on the real node;
- one replica (leader election stays on);
- the host's network, with the API server's loopback address in
  KUBERNETES_SERVICE_HOST/PORT: this cluster runs no kube-proxy, so a
  Service's ClusterIP leads nowhere;
- free host ports for health and metrics, since the host's network is shared;
- routes through the Gateway API (deploy/components/gateway-api).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from devcluster.cluster import REPO, Cluster
from devcluster.install import wait_established
from devcluster.node import placement
from devcluster.processes import free_port

NAMESPACE = "nbctl-system"
NAME = "nbctl-controller"


@dataclass(frozen=True)
class DeployedController:
    metrics_url: str
    health_port: int

    def logs(self, cluster: Cluster) -> str:
        return cluster.kubectl(
            "logs", "-n", NAMESPACE, f"deployment/{NAME}", "--tail=200", check=False
        ).stdout


def overlay(cluster: Cluster, image_ref: str, health_port: int, metrics_port: int) -> str:
    """The kustomization.yaml of the local overlay (JSON is YAML)."""
    assert cluster.workdir is not None
    directory = cluster.workdir / "deploy-overlay"
    base = os.path.relpath(REPO / "deploy", directory)
    name, _, tag = image_ref.rpartition(":")
    api = urlparse(cluster.server)
    container = "/spec/template/spec/containers/0"
    ops = [
        {"op": "replace", "path": "/spec/replicas", "value": 1},
        {"op": "add", "path": "/spec/template/spec/hostNetwork", "value": True},
        *({"op": "add", "path": f"/spec/template/spec/{k}", "value": v} for k, v in placement().items()),
        {"op": "add", "path": f"{container}/imagePullPolicy", "value": "Never"},
        {"op": "add", "path": f"{container}/args/-", "value": f"--health-port={health_port}"},
        {"op": "add", "path": f"{container}/args/-", "value": f"--metrics-port={metrics_port}"},
        {"op": "replace", "path": f"{container}/ports/0/containerPort", "value": health_port},
        {"op": "replace", "path": f"{container}/ports/1/containerPort", "value": metrics_port},
        {
            "op": "add",
            "path": f"{container}/env/-",
            "value": {"name": "KUBERNETES_SERVICE_HOST", "value": api.hostname},
        },
        # kustomize's images: rewrites image fields only; the guard's image is a variable.
        {"op": "replace", "path": f"{container}/env/1/value", "value": image_ref},
        {
            "op": "add",
            "path": f"{container}/env/-",
            "value": {"name": "KUBERNETES_SERVICE_PORT", "value": str(api.port)},
        },
    ]
    kustomization = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": [base],
        "components": [f"{base}/components/gateway-api"],
        "images": [{"name": "jupyter-nbctl-controller", "newName": name, "newTag": tag}],
        "patches": [{"target": {"kind": "Deployment", "name": NAME}, "patch": json.dumps(ops)}],
    }
    directory.mkdir(exist_ok=True)
    text = json.dumps(kustomization, indent=2)
    (directory / "kustomization.yaml").write_text(text)
    return str(directory)


def deploy_controller(cluster: Cluster, timeout: float = 120) -> DeployedController:
    """Apply deploy/ with the local overlay and wait until the controller is ready."""
    image = cluster.built_images["controller"].ref
    health_port, metrics_port = free_port(), free_port()
    directory = overlay(cluster, image, health_port, metrics_port)
    # The overlay sits outside the repository, as an operations team's own would.
    rendered = cluster.kubectl("kustomize", "--load-restrictor=LoadRestrictionsNone", directory).stdout
    deadline = time.monotonic() + 60
    while True:
        out = cluster.kubectl(
            "apply", "--server-side", "--force-conflicts", "-f", "-", input=rendered, check=False
        )
        if out.returncode == 0:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"kubectl apply of {directory} failed:\n{out.stderr}")
        # deploy/ holds the CRDs and objects of their kinds: the first pass makes the CRDs.
        for crd in ("notebooks", "templates", "poddefaults", "templaterevisions"):
            wait_established(cluster, f"{crd}.jackhoman.dev")
    out = cluster.kubectl(
        "rollout", "status", "-n", NAMESPACE, f"deployment/{NAME}", f"--timeout={int(timeout)}s", check=False
    )
    if out.returncode != 0:
        pods = cluster.kubectl("get", "pods", "-n", NAMESPACE, "-o", "wide", check=False).stdout
        events = cluster.kubectl("get", "events", "-n", NAMESPACE, check=False).stdout
        raise RuntimeError(
            f"the controller's Deployment did not become ready:\n{out.stderr}\n{pods}\n{events}"
        )
    node_ip = cluster.node.state.node_ip if cluster.node else "127.0.0.1"
    return DeployedController(f"http://{node_ip}:{metrics_port}", health_port)


def undeploy_controller(cluster: Cluster) -> None:
    """Remove the controller's Deployment (the rest of deploy/ stays)."""
    cluster.kubectl("delete", "deployment", NAME, "-n", NAMESPACE, "--ignore-not-found", "--wait=true")
