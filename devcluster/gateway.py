"""A real Gateway API implementation in front of the real node: Traefik, as one process.

Traefik (built by devcluster/build-node.sh) watches the cluster's Gateway API
objects as its own least-privileged identity and carries each HTTPRoute the
controller writes to the notebook's pod, through the Service's EndpointSlices.
It listens on loopback only; the pods it reaches are on the node's bridge.

The Gateway is `kubeflow/kubeflow-gateway`, the parent the controller's
`--routing=gateway` names by default.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

from devcluster.processes import free_port

if TYPE_CHECKING:
    from devcluster.cluster import Cluster

GATEWAY_NAMESPACE = "kubeflow"
GATEWAY_NAME = "kubeflow-gateway"
GATEWAY_CLASS = "traefik"

_RBAC = [
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": "nbctl-dev-traefik"},
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["namespaces", "services", "secrets", "configmaps"],
                "verbs": ["get", "list", "watch"],
            },
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
            {
                "apiGroups": ["gateway.networking.k8s.io"],
                "resources": [
                    "gatewayclasses",
                    "gateways",
                    "httproutes",
                    "grpcroutes",
                    "referencegrants",
                    "backendtlspolicies",
                ],
                "verbs": ["get", "list", "watch"],
            },
            {
                "apiGroups": ["gateway.networking.k8s.io"],
                "resources": [
                    "gatewayclasses/status",
                    "gateways/status",
                    "httproutes/status",
                    "grpcroutes/status",
                    "backendtlspolicies/status",
                ],
                "verbs": ["update", "patch"],
            },
        ],
    },
    {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": "nbctl-dev-traefik"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "nbctl-dev-traefik",
        },
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "traefik"}],
    },
]


def gateway_api_crds(bin_dir: Path) -> Path:
    """The standard-channel CRDs of the Gateway API version Traefik is built against."""
    return bin_dir / "gateway-api-crds"


class Traefik:
    """Traefik with its Kubernetes Gateway provider, on a loopback port."""

    def __init__(self, cluster: Cluster) -> None:
        assert cluster.node is not None, "the gateway runs in front of the real node"
        self.cluster = cluster
        self.bin_dir = cluster.node.bin_dir
        self.port = free_port()
        self.ping_port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Install the Gateway API CRDs, the class and the Gateway; start Traefik."""
        # Imported here: both modules import this one.
        from devcluster.cluster import USERS
        from devcluster.install import wait_established

        cluster = self.cluster
        apply = ("apply", "--server-side", "--field-manager=nbctl-install", "-f")
        crds = gateway_api_crds(self.bin_dir)
        cluster.kubectl(*apply, str(crds))
        for path in sorted(crds.glob("*.yaml")):
            for line in path.read_text().splitlines():
                if line.startswith("  name: ") and line.endswith(".gateway.networking.k8s.io"):
                    wait_established(cluster, line.split()[1])
                    break
        cluster.kubectl(*apply, "-", input=json.dumps({"apiVersion": "v1", "kind": "List", "items": _RBAC}))
        cluster.kubectl(
            *apply,
            "-",
            input=json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "List",
                    "items": [
                        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": GATEWAY_NAMESPACE}},
                        {
                            "apiVersion": "gateway.networking.k8s.io/v1",
                            "kind": "GatewayClass",
                            "metadata": {"name": GATEWAY_CLASS},
                            "spec": {"controllerName": "traefik.io/gateway-controller"},
                        },
                        {
                            "apiVersion": "gateway.networking.k8s.io/v1",
                            "kind": "Gateway",
                            "metadata": {"name": GATEWAY_NAME, "namespace": GATEWAY_NAMESPACE},
                            "spec": {
                                "gatewayClassName": GATEWAY_CLASS,
                                # Traefik binds a listener to the entry point of the same port.
                                "listeners": [
                                    {
                                        "name": "web",
                                        "protocol": "HTTP",
                                        "port": self.port,
                                        "allowedRoutes": {"namespaces": {"from": "All"}},
                                    }
                                ],
                            },
                        },
                    ],
                }
            ),
        )
        traefik = cluster.component(
            "traefik",
            [
                str(self.bin_dir / "traefik"),
                f"--entryPoints.web.address=127.0.0.1:{self.port}",
                f"--entryPoints.traefik.address=127.0.0.1:{self.ping_port}",
                "--ping=true",
                "--providers.kubernetesgateway=true",
                f"--providers.kubernetesgateway.endpoint={cluster.server}",
                f"--providers.kubernetesgateway.token={USERS['traefik'].token}",
                f"--providers.kubernetesgateway.certauthfilepath={cluster.ca_cert}",
                "--providers.kubernetesgateway.statusaddress.ip=127.0.0.1",
                # Nothing leaves this machine.
                "--global.checknewversion=false",
                "--global.sendanonymoususage=false",
                "--log.level=INFO",
            ],
        )
        cluster.wait(traefik, self._gateway_programmed, 60, what="Traefik and its Gateway")

    def _gateway_programmed(self) -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ping_port}/ping", timeout=2) as response:
            if response.status != 200:
                return False
        path = '{.status.conditions[?(@.type=="Programmed")].status}'
        out = self.cluster.kubectl(
            "get", "gateway", GATEWAY_NAME, "-n", GATEWAY_NAMESPACE, "-o", f"jsonpath={path}", check=False
        )
        return out.stdout.strip() == "True"
