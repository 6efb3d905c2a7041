"""The guard in the notebook's pod, rendered (pure: no client, no clock).

Every notebook pod gets two containers of the controller's own image before the Template's:

- `nbctl-lock-port`, an init container with NET_ADMIN only, closes Jupyter's port to everything but
  the pod's loopback (one nftables rule in the pod's own network namespace, whatever the CNI);
- `nbctl-guard`, a native sidecar, listens on GUARD_PORT and lets through only requests with the
  notebook's own credential (nbctl_guard.proxy). The Service leads to it.

The kubelet's probes of Jupyter's port become probes of the guard, which asks Jupyter on loopback.
"""

from __future__ import annotations

import base64
import copy
import json
from dataclasses import dataclass
from typing import Any

from nbctl_guard.tickets import GUARD_PORT, SECRET_KEY

from nbctl_controller.names import access_secret_name, child_labels
from nbctl_controller.problems import NotebookProblem

GUARD_CONTAINER = "nbctl-guard"
LOCK_CONTAINER = "nbctl-lock-port"
KEY_VOLUME = "nbctl-guard-key"
KEY_DIR = "/var/run/nbctl-guard"
GUARD_UID = 65532  # the image's own non-root user
# Where the controller's StatefulSet cache keeps the guard image a notebook's pod runs now.
GUARD_IMAGE_KEY = "guardImage"


def guard_image(pod_template: dict[str, Any]) -> str | None:
    """The image of the guard in a pod template, if it has one."""
    for container in (pod_template.get("spec") or {}).get("initContainers") or []:
        if container.get("name") == GUARD_CONTAINER:
            return container.get("image")
    return None


@dataclass(frozen=True)
class GuardSettings:
    """The image of the guard (the controller's own) and whether Jupyter's port is locked in the pod."""

    image: str = "jupyter-nbctl-controller:0.1.0"
    lock_port: bool = True


def _locked(port: int) -> list[str]:
    # One table of our own; `add` makes it again harmlessly if the init container runs twice.
    script = (
        "add table inet nbctl_guard; "
        "add chain inet nbctl_guard input { type filter hook input priority 0; policy accept; }; "
        f'add rule inet nbctl_guard input iifname != "lo" tcp dport {port} reject with tcp reset'
    )
    return ["nft", script]


_RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def _probe(probe: dict[str, Any], port: int, names: set[str], paths: list[str]) -> dict[str, Any]:
    """A probe of Jupyter's port as a probe of the guard; any other probe as it is."""
    target = probe.get("tcpSocket") or probe.get("httpGet")
    if target is None or (target.get("port") != port and target.get("port") not in names):
        return probe
    moved = {k: v for k, v in probe.items() if k not in ("tcpSocket", "httpGet")}
    if "tcpSocket" in probe:
        moved["httpGet"] = {"path": "/nbctl-guard/ready", "port": GUARD_PORT}
    else:
        path = target.get("path") or "/"
        paths.append(path)
        moved["httpGet"] = {
            **({"httpHeaders": target["httpHeaders"]} if "httpHeaders" in target else {}),
            "path": f"/nbctl-guard/http{path}",
            "port": GUARD_PORT,
        }
    return moved


def add_guard(pod: dict[str, Any], notebook: str, prefix: str, port: int, settings: GuardSettings) -> None:
    """Put the guard (and the port lock) into a rendered pod template, in place."""
    if port == GUARD_PORT:
        raise NotebookProblem(
            "PortConflict",
            f"The notebook's server listens on port {GUARD_PORT}, which the notebook's guard needs: "
            "the Template must use another port.",
        )
    spec = pod["spec"]
    main = spec["containers"][0]
    names = {p["name"] for p in main.get("ports") or [] if p.get("containerPort") == port and p.get("name")}
    paths: list[str] = []
    for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
        if kind in main:
            main[kind] = _probe(main[kind], port, names, paths)
    name = notebook.rpartition("/")[2]
    guard = {
        "name": GUARD_CONTAINER,
        "image": settings.image,
        "command": ["nbctl-guard", "serve"],
        "restartPolicy": "Always",
        "env": [
            {"name": "NBCTL_GUARD_PORT", "value": str(GUARD_PORT)},
            {"name": "NBCTL_GUARD_UPSTREAM", "value": str(port)},
            {"name": "NBCTL_GUARD_NOTEBOOK", "value": notebook},
            {"name": "NBCTL_GUARD_PREFIX", "value": prefix},
            {"name": "NBCTL_GUARD_KEY_FILE", "value": f"{KEY_DIR}/{SECRET_KEY}"},
            {"name": "NBCTL_GUARD_PROBE_PATHS", "value": json.dumps(sorted(set(paths)))},
        ],
        "ports": [{"name": "nbctl-guard", "containerPort": GUARD_PORT, "protocol": "TCP"}],
        "resources": {"requests": {"cpu": "10m", "memory": "48Mi"}, "limits": {"memory": "128Mi"}},
        "securityContext": {
            **copy.deepcopy(_RESTRICTED),
            "runAsNonRoot": True,
            "runAsUser": GUARD_UID,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": KEY_VOLUME, "mountPath": KEY_DIR, "readOnly": True}],
    }
    ours = [guard]
    if settings.lock_port:
        ours.insert(
            0,
            {
                "name": LOCK_CONTAINER,
                "image": settings.image,
                "command": _locked(port),
                "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"memory": "64Mi"}},
                "securityContext": {
                    **copy.deepcopy(_RESTRICTED),
                    # nft needs root with NET_ADMIN, in the pod's network namespace only, for an instant.
                    "runAsUser": 0,
                    "runAsNonRoot": False,
                    "capabilities": {"drop": ["ALL"], "add": ["NET_ADMIN"]},
                },
            },
        )
    spec["initContainers"] = [*ours, *(spec.get("initContainers") or [])]
    spec["volumes"] = [
        *(spec.get("volumes") or []),
        {
            "name": KEY_VOLUME,
            # Mounted in the guard only; 0444 so that its non-root user reads it without an fsGroup.
            "secret": {"secretName": access_secret_name(name), "defaultMode": 0o444},
        },
    ]


def render_access_secret(
    namespace: str, notebook: str, owner_ref: dict[str, Any], key: bytes
) -> dict[str, Any]:
    """The notebook's access Secret: its key, made once (created, never applied again)."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": access_secret_name(notebook),
            "namespace": namespace,
            "labels": child_labels(notebook),
            "ownerReferences": [owner_ref],
        },
        "type": "Opaque",
        "data": {SECRET_KEY: base64.b64encode(key).decode()},
    }
