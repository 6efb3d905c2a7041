"""Real volumes for the local cluster: Rancher's local-path provisioner, as one process.

The provisioner (built by devcluster/build-node.sh) watches claims of the
default StorageClass `local-path` as its own identity. When the scheduler has
picked a node for a claim's first pod (WaitForFirstConsumer), it runs a
helper pod there that makes a directory under the cluster's folder
(`<workdir>/volumes`), and binds a hostPath PersistentVolume to the claim. On
the real node the directory is real and survives the pod; on kwok nodes a
stage of kwok completes the helper pod and nothing is made. Every directory
goes with the cluster's folder at teardown.

local-path cannot grow a volume, and the CSI hostpath driver that could is not
served by the module proxy, so `devcluster.resizer` does what an external
resizer does for a directory volume: records the new size. The class allows
expansion; `local-path-fixed` is the same class without it, to show what a
notebook says when its class cannot grow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from devcluster.cluster import Cluster

NAMESPACE = "nbctl-storage"
PROVISIONER = "rancher.io/local-path"
STORAGE_CLASS = "local-path"
FIXED_STORAGE_CLASS = "local-path-fixed"
SERVICE_ACCOUNT = "local-path-provisioner"
CONFIGMAP = "local-path-config"

_SETUP = '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"\n'
_TEARDOWN = '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"\n'


def _helper_pod(image: str) -> dict[str, Any]:
    # The notebook image is already on the node and has a shell; the helper makes directories as root.
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "helper-pod"},
        "spec": {
            "containers": [
                {
                    "name": "helper-pod",
                    "image": image,
                    "imagePullPolicy": "Never",
                    "securityContext": {"runAsUser": 0, "runAsGroup": 0},
                }
            ]
        },
    }


def _rbac() -> list[dict[str, Any]]:
    rules = [
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
        {
            "apiGroups": [""],
            "resources": ["persistentvolumeclaims", "configmaps", "pods"],
            "verbs": ["get", "list", "watch"],
        },
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["create", "delete"]},
        {
            "apiGroups": [""],
            "resources": ["persistentvolumes"],
            "verbs": ["get", "list", "watch", "create", "delete", "patch"],
        },
        {"apiGroups": [""], "resources": ["events"], "verbs": ["create", "patch"]},
        {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["get", "create", "update"]},
    ]
    resizer = [
        {"apiGroups": [""], "resources": ["persistentvolumes"], "verbs": ["get", "list", "watch", "patch"]},
        {"apiGroups": [""], "resources": ["persistentvolumeclaims"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["persistentvolumeclaims/status"], "verbs": ["patch"]},
        {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": ["get", "list", "watch"]},
    ]
    documents: list[dict[str, Any]] = []
    for name, user, role_rules in (
        ("nbctl-dev-local-path", "local-path-provisioner", rules),
        ("nbctl-dev-volume-resizer", "volume-resizer", resizer),
    ):
        documents.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRole",
                "metadata": {"name": name},
                "rules": role_rules,
            }
        )
        documents.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "ClusterRoleBinding",
                "metadata": {"name": name},
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}],
            }
        )
    return documents


def storage_class(name: str = STORAGE_CLASS, *, default: bool = True, expand: bool = True) -> dict[str, Any]:
    """A local-path class: WaitForFirstConsumer, since the directory lives on the pod's node."""
    meta: dict[str, Any] = {"name": name}
    if default:
        meta["annotations"] = {"storageclass.kubernetes.io/is-default-class": "true"}
    return {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": meta,
        "provisioner": PROVISIONER,
        "volumeBindingMode": "WaitForFirstConsumer",
        "reclaimPolicy": "Delete",
        "allowVolumeExpansion": expand,
    }


class Storage:
    """The provisioner and the resizer of the local cluster's volumes."""

    def __init__(self, cluster: Cluster, bin_dir: Path, helper_image: str) -> None:
        assert cluster.workdir is not None
        self.cluster = cluster
        self.bin_dir = bin_dir
        self.helper_image = helper_image
        self.root = cluster.workdir / "volumes"

    def start(self) -> None:
        cluster = self.cluster
        assert cluster.workdir is not None
        self.root.mkdir(mode=0o755, exist_ok=True)
        config = {"nodePathMap": [{"node": "DEFAULT_PATH_FOR_NON_LISTED_NODES", "paths": [str(self.root)]}]}
        helper = _helper_pod(self.helper_image)
        items = [
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}},
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": SERVICE_ACCOUNT, "namespace": NAMESPACE},
            },
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": CONFIGMAP, "namespace": NAMESPACE},
                "data": {
                    "config.json": json.dumps(config),
                    "setup": _SETUP,
                    "teardown": _TEARDOWN,
                    "helperPod.yaml": json.dumps(helper),
                },
            },
            *_rbac(),
            storage_class(),
            storage_class(FIXED_STORAGE_CLASS, default=False, expand=False),
        ]
        cluster.kubectl(
            "apply",
            "--server-side",
            "--field-manager=nbctl-install",
            "-f",
            "-",
            input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}),
        )
        config_file = cluster.workdir / "local-path-config.json"
        config_file.write_text(json.dumps(config))
        helper_file = cluster.workdir / "local-path-helper-pod.yaml"
        helper_file.write_text(json.dumps(helper))
        cluster.component(
            "local-path-provisioner",
            [
                str(self.bin_dir / "local-path-provisioner"),
                "start",
                f"--config={config_file}",
                f"--provisioner-name={PROVISIONER}",
                f"--namespace={NAMESPACE}",
                f"--helper-image={self.helper_image}",
                f"--service-account-name={SERVICE_ACCOUNT}",
                f"--kubeconfig={cluster.kubeconfig('local-path-provisioner')}",
                f"--configmap-name={CONFIGMAP}",
                f"--helper-pod-file={helper_file}",
            ],
        )
        cluster.component(
            "volume-resizer",
            [
                sys.executable,
                "-m",
                "devcluster.resizer",
                f"--kubeconfig={cluster.kubeconfig('volume-resizer')}",
                f"--provisioner={PROVISIONER}",
            ],
        )
