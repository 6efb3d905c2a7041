"""Put jupyter-nbctl's objects into a running local cluster."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import yaml

from devcluster.cluster import REPO, Cluster
from devcluster.node import placement

CRDS = REPO / "deploy" / "crds"
EXAMPLES = REPO / "deploy" / "examples"
# The first example the project was designed from (PodDefaults, Template, Notebook),
# and the Secret its Template copies.
SEED_EXAMPLES = EXAMPLES / "seed" / "examples.yaml"
SEED_SECRET = EXAMPLES / "seed" / "pypi-secret.yaml"


def install_crds(cluster: Cluster) -> None:
    """Apply the CRDs and wait until the API server serves them."""
    cluster.kubectl("apply", "--server-side", "--field-manager=nbctl-install", "-f", str(CRDS))
    for path in sorted(CRDS.glob("*.yaml")):
        wait_established(cluster, yaml.safe_load(path.read_text())["metadata"]["name"])


def ensure_namespace(cluster: Cluster, name: str) -> None:
    manifest = f"apiVersion: v1\nkind: Namespace\nmetadata: {{name: {name}}}\n"
    cluster.kubectl("apply", "--server-side", "--field-manager=nbctl-install", "-f", "-", input=manifest)


# What a notebook may ask of the real node, a machine of 2 cores.
REAL_NODE_RESOURCES = {"cpu": "1", "memory": "2Gi"}


def install_seed_examples(
    cluster: Cluster,
    examples: Path = SEED_EXAMPLES,
    notebook_user: str = "admin",
    real_node_image: str | None = None,
) -> None:
    """Apply the example PodDefaults, Template and Notebook, with the Secret they name.

    The Notebook is created by `notebook_user`, who then owns it. With
    `real_node_image`, the example runs for real: the Template's image is that
    one (its own cannot be pulled here), its pods go to the real node, and the
    Notebook asks for what this machine has.
    """
    ensure_namespace(cluster, "kubeflow")
    apply = ("apply", "--server-side", "--field-manager=nbctl-install", "-f", "-")
    cluster.kubectl("apply", "--server-side", "--field-manager=nbctl-install", "-f", str(SEED_SECRET))
    docs = seed_documents(examples)
    for doc in docs:
        if real_node_image and doc["kind"] == "Template":
            pod = doc["spec"]["template"]["spec"]
            pod["containers"][0]["image"] = real_node_image
            pod.update(placement())
        if real_node_image and doc["kind"] == "Notebook":
            doc["spec"]["resources"] = dict(REAL_NODE_RESOURCES)
        if doc["kind"] == "Notebook":
            # Users may create notebooks, not apply them (an apply is a patch, which owners get later).
            cluster.kubectl("create", "-f", "-", input=json.dumps(doc), user=notebook_user)
        else:
            cluster.kubectl(*apply, input=json.dumps(doc))


def seed_documents(examples: Path = SEED_EXAMPLES) -> list[dict[str, Any]]:
    """The example's objects, in order; fails with the path when the file is missing."""
    if not examples.exists():
        raise FileNotFoundError(f"the example objects are not at {examples}: is the checkout complete?")
    return [doc for doc in yaml.safe_load_all(examples.read_text()) if doc]


def istio_crds_file() -> Path:
    """Istio's CRDs as build.sh copied them from the istio.io/api module."""
    versions = dict(
        line.split("=", 1)
        for line in (REPO / "devcluster" / "versions.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    cache = Path(os.environ.get("NBCTL_CACHE", Path.home() / ".cache" / "jupyter-nbctl"))
    return cache / f"istio-api-{versions['ISTIO_API_VERSION']}" / "customresourcedefinitions.gen.yaml"


def install_istio_virtualservice_crd(cluster: Cluster) -> None:
    """Istio's real VirtualService CRD, as Istio ships it."""
    docs = [d for d in yaml.safe_load_all(istio_crds_file().read_text()) if d]
    crd = next(d for d in docs if d["metadata"]["name"] == "virtualservices.networking.istio.io")
    cluster.kubectl(
        "apply", "--server-side", "--field-manager=nbctl-install", "-f", "-", input=json.dumps(crd)
    )
    wait_established(cluster, "virtualservices.networking.istio.io")


def wait_established(cluster: Cluster, name: str, timeout: float = 60) -> None:
    # `kubectl wait` fails at once, rather than waiting, if it reads the CRD a
    # moment before the API server lists it; poll instead.
    path = '{.status.conditions[?(@.type=="Established")].status}'
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        out = cluster.kubectl("get", "crd", name, "-o", f"jsonpath={path}", check=False)
        if out.returncode == 0 and out.stdout.strip() == "True":
            return
        time.sleep(0.2)
    raise TimeoutError(f"CRD {name} was not established within {timeout:.0f}s")


POLICIES = REPO / "deploy" / "policies"
RBAC = REPO / "deploy" / "rbac"


def install_rbac(cluster: Cluster) -> None:
    """The controller's identity and role, and the roles for people."""
    cluster.kubectl("apply", "--server-side", "--field-manager=nbctl-install", "-f", str(RBAC))


def install_policies(cluster: Cluster) -> None:
    """The admission policies, and a wait until the API server enforces them."""
    cluster.kubectl("apply", "--server-side", "--field-manager=nbctl-install", "-f", str(POLICIES))
    wait_for_policies(cluster)


def wait_for_policies(cluster: Cluster) -> None:
    """Wait until the owner-stamp policy answers (policies load a moment after they are written)."""
    probe = {
        "apiVersion": "jackhoman.dev/v1beta1",
        "kind": "Notebook",
        "metadata": {"name": "policy-probe", "namespace": "default"},
        "spec": {"templateRef": {"name": "none"}},
    }
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # A fresh CRD may answer 429 "storage is (re)initializing" for a moment.
        out = cluster.kubectl(
            "create", "--dry-run=server", "-o", "json", "-f", "-", input=json.dumps(probe), check=False
        )
        if out.returncode == 0 and json.loads(out.stdout)["spec"].get("owner") == "admin":
            # The validating policies were created before the mutating one, and
            # the API server loads them together; give it a moment all the same.
            time.sleep(1)
            return
        time.sleep(0.2)
    raise TimeoutError("the admission policies did not take effect within 30s")


def real_node_template(image: str, name: str = "jupyterlab", namespace: str = "kubeflow") -> dict[str, Any]:
    """A Template whose notebooks run on the real node, from the notebook image built here."""
    return {
        "apiVersion": "jackhoman.dev/v1beta1",
        "kind": "Template",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "displayName": "JupyterLab (built here)",
            "description": "JupyterLab 4 on the real node, from devcluster/images/notebook.",
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": image,
                            # Built here and imported into the node's containerd; never pulled.
                            "imagePullPolicy": "IfNotPresent",
                            "ports": [{"containerPort": 8888, "name": "notebook-port"}],
                            # Ready once Jupyter listens (its paths depend on the notebook's name).
                            "readinessProbe": {"tcpSocket": {"port": 8888}, "periodSeconds": 1},
                        }
                    ],
                    "securityContext": {"fsGroup": 100},
                    **placement(),
                }
            },
            "resources": {
                # No CPU limit (Kubeflow's limitFactor "none"): a notebook may use the node's idle CPU,
                # and JupyterLab's start (some 4 CPU-seconds) does not wait on the request.
                "cpu": {"default": "500m", "min": "100m", "max": "1", "limitFactor": "none"},
                "memory": {"default": "1Gi", "min": "256Mi", "max": "4Gi"},
            },
            # The home directory is a workspace on the cluster's default class (local-path).
            "workspace": {"size": {"default": "1Gi", "min": "100Mi", "max": "20Gi"}},
        },
    }


def apply_real_node_template(cluster: Cluster, namespace: str = "kubeflow") -> dict[str, Any]:
    """Install real_node_template() with the notebook image this cluster imported; returns it."""
    template = real_node_template(cluster.built_images["notebook"].ref, namespace=namespace)
    cluster.kubectl(
        "apply", "--server-side", "--field-manager=nbctl-install", "-f", "-", input=json.dumps(template)
    )
    return template
