"""deploy/ installs as the docs say, and the controller needs nothing beyond its own role.

The controller runs here with a token of the ServiceAccount that `kubectl
apply -k deploy/` created (a TokenRequest, as a pod would get), not admin.
"""

from __future__ import annotations

import json
import os

from devcluster.clients import Kube
from devcluster.cluster import REPO, Cluster
from devcluster.controller import ControllerProcess
from tests.controller.helpers import create, notebook, template, wait_phase


def test_kustomize_renders_every_part(cluster: Cluster) -> None:
    rendered = cluster.kubectl("kustomize", str(REPO / "deploy")).stdout
    kinds = {
        doc.split("kind: ", 1)[1].split("\n", 1)[0] for doc in rendered.split("\n---\n") if "kind: " in doc
    }
    assert {
        "CustomResourceDefinition",
        "Deployment",
        "ServiceAccount",
        "ClusterRole",
        "ClusterRoleBinding",
        "ValidatingAdmissionPolicy",
        "MutatingAdmissionPolicy",
        "ConfigMap",
    } <= kinds


def test_the_deployed_service_account_runs_the_controller_with_its_role_alone(
    cluster: Cluster, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # Given deploy/ applied exactly as docs say
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-k", str(REPO / "deploy"))
    token = cluster.kubectl("create", "token", "nbctl-controller", "-n", "nbctl-system").stdout.strip()
    kubeconfig = json.loads(cluster.kubeconfig("controller").read_text())
    kubeconfig["users"][0]["user"]["token"] = token
    assert cluster.workdir is not None
    path = cluster.workdir / "kubeconfigs" / "deployed-controller.yaml"
    path.write_text(json.dumps(kubeconfig))
    whoami = cluster.kubectl(
        "--kubeconfig", str(path), "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"
    )
    assert whoami.stdout == "system:serviceaccount:nbctl-system:nbctl-controller"

    # When the controller runs with that token instead of the test identity
    controller.stop()
    deployed = ControllerProcess(cluster, kubeconfig=path)
    try:
        deployed.start()
        create(admin, namespace, template("lab"), notebook("nb", "lab"))

        # Then it drives a notebook to Running and was refused nothing
        wait_phase(admin, namespace, "nb", "Running")
        deployed.settled()
        log = deployed.logs()
        assert "Forbidden" not in log and " 403 " not in log, log[-3000:]
    finally:
        deployed.stop()
        controller.start()


def test_the_components_set_routing_and_watched_namespaces(cluster: Cluster, tmp_path) -> None:
    # An overlay of one's own, beside the repository, as docs/operations.md shows.
    base = os.path.relpath(REPO / "deploy", tmp_path)
    (tmp_path / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        f"resources: [{base}]\n"
        f"components: [{base}/components/istio, {base}/components/watch-namespaces]\n"
    )
    rendered = cluster.kubectl("kustomize", "--load-restrictor=LoadRestrictionsNone", str(tmp_path)).stdout
    deployment = next(doc for doc in rendered.split("\n---\n") if "kind: Deployment" in doc)
    assert "--routing=istio" in deployment
    assert "--istio-gateway=kubeflow/kubeflow-gateway" in deployment
    assert "NBCTL_NAMESPACES" in deployment


def test_the_example_templates_launch_notebooks(
    cluster: Cluster, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    cluster.kubectl("apply", "--server-side", "--force-conflicts", "-k", str(REPO / "deploy" / "examples"))
    for name in ("jupyterlab-scipy", "codeserver-python", "rstudio-tidyverse"):
        picked = ["pypi-mirror", "shared-memory"] if name == "jupyterlab-scipy" else []
        nb = notebook(name, name, configurations=picked)
        nb["spec"]["templateRef"]["namespace"] = "kubeflow"
        create(admin, namespace, nb)
    for name in ("jupyterlab-scipy", "codeserver-python", "rstudio-tidyverse"):
        wait_phase(admin, namespace, name, "Running")
    pod = admin.core.read_namespaced_pod("jupyterlab-scipy-0", namespace)
    env = {e.name: e.value for e in pod.spec.containers[0].env}
    assert env["PIP_INDEX_URL"] == "https://pypi.example.com/simple"
    assert "/dev/shm" in [m.mount_path for m in pod.spec.containers[0].volume_mounts]
