"""What the ownership tests share: the users, their namespace, and calls that return the refusal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from kubernetes.client import ApiException

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from jupyter_nbctl.models import GROUP


@dataclass
class Scene:
    cluster: Cluster
    namespace: str
    alice: Kube
    bob: Kube
    admin: Kube


def bind_users(cluster: Cluster, namespace: str, role: str = "nbctl-user", kind: str = "ClusterRole") -> None:
    binding = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": f"users-{role}", "namespace": namespace},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
        "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "nbctl-users"}],
    }
    cluster.kubectl("apply", "-f", "-", input=json.dumps(binding))


def owner_access_ready(s: Scene, user: str, notebook: str) -> bool:
    """Whether the user holds the owner's Role of that notebook (it comes a moment after the notebook)."""
    return kubectl(s, user, "auth", "can-i", "patch", f"notebooks.{GROUP}/{notebook}") == ""


def kubectl(s: Scene, user: str, *args: str, input: str | None = None) -> str:
    """Run kubectl; return its error text ('' when it succeeded)."""
    out = s.cluster.kubectl("-n", s.namespace, *args, user=user, input=input, check=False)
    return "" if out.returncode == 0 else (out.stderr or out.stdout or f"exit {out.returncode}")


def api(call: Callable[[], object]) -> str:
    """Make an API call; return the refusal's message ('' when it succeeded)."""
    try:
        call()
    except ApiException as err:
        try:
            return f"{err.status}: " + json.loads(err.body)["message"]
        except (ValueError, TypeError, KeyError):
            return f"{err.status}: {err.reason}"
    return ""
