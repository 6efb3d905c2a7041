"""How long a user waits, from Launch until their JupyterLab answers, on the real node.

Starts a local cluster with the real node and the gateway, the controller
(routing through the gateway) and the real-node Template, then times, from
the create request to the notebook's `/api/status` answering 200 through the
gateway and the notebook's guard (with a token of its key, as its owner):
launches one after another, launches all at once, and Start of a
stopped notebook that has a workspace. The image is present (built here and
imported into the node's containerd). Where the time goes comes from the
pod's own timestamps (one-second steps): created, scheduled, container
started, Ready.

    python -m bench.time_to_notebook [--one-by-one 20] [--at-once 10] [--starts 5]

BENCH_SCALE (as for bench.scale) multiplies the counts, at least two of each.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import requests
from kubernetes.client import ApiException
from nbctl_guard.tickets import SECRET_KEY, Purpose, access_secret_name, mint

from bench.common import percentile, write_section
from devcluster.clients import Kube
from devcluster.cluster import Cluster, build_binaries
from devcluster.controller import ControllerProcess
from devcluster.install import (
    apply_real_node_template,
    ensure_namespace,
    install_crds,
    install_policies,
    install_rbac,
)
from jupyter_nbctl.models import GROUP, VERSION

NAMESPACE = "bench-ttn"
# One at a time, a notebook gets the template's default (500m CPU, 1Gi); ten at once get less, so
# that they fit on the real node (2 cores here) beside the control plane. CPU is also a notebook's
# limit, and starting JupyterLab costs a few CPU-seconds of imports: less CPU, a slower start.
ONE = {"cpu": "500m", "memory": "1Gi"}
MANY = {"cpu": "150m", "memory": "256Mi"}
GOALS = {"one by one": 5.0, "at once": 10.0}
WHERE = (
    "**Where the time goes.** One launch, taken apart from its pod's timestamps, events and "
    "Jupyter's log (2026-12-05, before the change below): the pod object 0.1 s after the request "
    "(admission, the controller, the StatefulSet controller); its workspace provisioned 2 s later "
    "(local-path binds on first use: the scheduler picks the node, then the provisioner runs a "
    "helper pod there and polls it); the pod bound to the node some 1.9 s after that (the "
    "scheduler's volume binding waits for the claim in one-second polls); the three containers "
    "(port lock, guard, JupyterLab) started 0.15 s later; then 3.4 s of Python imports before "
    "Jupyter's first log line, Ready at the next one-second probe, and the route a few hundred ms "
    "after. Two defects made those imports slow, both fixed in the images (tests/node/"
    "test_images.py): every layer is packed with one mtime, so each timestamped `.pyc` was stale "
    "and the server, as jovyan, compiled its ~600 modules again at every start (now hash-checked, "
    "by SOURCE_DATE_EPOCH); and jsonschema's format-nongpl extra pulls rfc3987-syntax, which "
    "builds some 35 Lark parsers at import, 0.7 CPU-seconds for a format no Jupyter schema uses "
    "(left out of the notebook image). `import jupyter_server.serverapp, jupyterlab.labapp` in "
    "the image went from 2.2 s to 0.4 s, and `jupyter-lab` from its start to `/api/status` takes "
    "0.7 s (measured in a chroot of the image as uid 1000). Against the run of 2026-12-02: p95 one "
    "by one 11.1 s, ten at once 56.2 s, a Start 6.9 s. What is left one by one is mostly the "
    "workspace's first binding (about 3 s, local-path and the scheduler, not ours: a Start, whose "
    "claim is bound, shows the rest), and for ten at once the helper pods in turn and ten servers "
    "starting on 2 cores beside the control plane."
)


@dataclass
class Launch:
    seconds: float  # create request → /api/status 200 through the gateway
    stages: dict[str, float]  # from the pod's timestamps, seconds after the create request


def _ts(value: object) -> float | None:
    return value.timestamp() if isinstance(value, dt.datetime) else None


def _stages(kube: Kube, name: str, began_wall: float) -> dict[str, float]:
    pod = kube.core.read_namespaced_pod(f"{name}-0", NAMESPACE)
    conditions = {c.type: c.last_transition_time for c in pod.status.conditions or []}
    started = None
    for status in pod.status.container_statuses or []:
        running = status.state.running if status.state else None
        started = _ts(running.started_at) if running else started
    marks = {
        "pod created": _ts(pod.metadata.creation_timestamp),
        "scheduled": _ts(conditions.get("PodScheduled")),
        "container started": started,
        "ready": _ts(conditions.get("Ready")),
    }
    return {k: v - began_wall for k, v in marks.items() if v is not None}


def _answers(alice: Kube, name: str, url: str, deadline: float) -> None:
    """Until the notebook's server answers its owner, through its guard, with a token of its key."""
    key: bytes | None = None
    while time.monotonic() < deadline:
        if key is None:
            try:
                secret = alice.core.read_namespaced_secret(access_secret_name(name), NAMESPACE)
                key = base64.b64decode(secret.data[SECRET_KEY])
            except ApiException:  # not made yet, or alice's Role not yet applied
                time.sleep(0.2)
                continue
        token = mint(key, Purpose.PROBE, f"{NAMESPACE}/{name}")
        try:
            if requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not answer")


def _notebook(name: str, resources: dict[str, str]) -> dict:
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Notebook",
        "metadata": {"name": name},
        "spec": {"templateRef": {"name": "jupyterlab"}, "resources": resources},
    }


def _status_url(cluster: Cluster, name: str) -> str:
    return f"{cluster.gateway_url}/notebook/{NAMESPACE}/{name}/api/status"


def _launch(cluster: Cluster, alice: Kube, admin: Kube, name: str, resources: dict[str, str] = ONE) -> Launch:
    began_wall, began = time.time(), time.monotonic()
    body = _notebook(name, resources)
    alice.custom.create_namespaced_custom_object(GROUP, VERSION, NAMESPACE, "notebooks", body)
    _answers(alice, name, _status_url(cluster, name), began + 180)
    return Launch(time.monotonic() - began, _stages(admin, name, began_wall))


def _patch(alice: Kube, name: str, stopped: bool) -> None:
    alice.custom.patch_namespaced_custom_object(
        GROUP, VERSION, NAMESPACE, "notebooks", name, {"spec": {"stopped": stopped}}
    )


def _delete_all(admin: Kube) -> None:
    """Delete the notebooks and their workspaces, and wait for their pods to go (bounded load)."""
    for nb in admin.custom.list_namespaced_custom_object(GROUP, VERSION, NAMESPACE, "notebooks")["items"]:
        admin.custom.delete_namespaced_custom_object(
            GROUP, VERSION, NAMESPACE, "notebooks", nb["metadata"]["name"]
        )
    deadline = time.monotonic() + 180
    while admin.core.list_namespaced_pod(NAMESPACE).items and time.monotonic() < deadline:
        time.sleep(0.5)
    for claim in admin.core.list_namespaced_persistent_volume_claim(NAMESPACE).items:
        admin.core.delete_namespaced_persistent_volume_claim(claim.metadata.name, NAMESPACE)


def _start_after_stop(cluster: Cluster, alice: Kube, admin: Kube, name: str) -> Launch:
    _patch(alice, name, True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        pods = [p for p in admin.core.list_namespaced_pod(NAMESPACE).items if p.metadata.name == f"{name}-0"]
        if not pods:
            break
        time.sleep(0.2)
    began_wall, began = time.time(), time.monotonic()
    _patch(alice, name, False)
    _answers(alice, name, _status_url(cluster, name), began + 180)
    return Launch(time.monotonic() - began, _stages(admin, name, began_wall))


def _row(what: str, launches: list[Launch], goal: float | None) -> str:
    seconds = [x.seconds for x in launches]
    p50, p95 = percentile(seconds, 50), percentile(seconds, 95)
    verdict = "" if goal is None else (f"p95 < {goal:.0f} s: " + ("met" if p95 < goal else "missed"))
    stages = ["pod created", "scheduled", "container started", "ready"]
    medians = [
        # Whole-second timestamps can fall just before the request: those count as 0.
        f"{max(0.0, percentile([x.stages[s] for x in launches if s in x.stages], 50)):.0f} s"
        if any(s in x.stages for x in launches)
        else "n/a"
        for s in stages
    ]
    return f"| {what} | {len(launches)} | {p50:.2f} s | {p95:.2f} s | {' | '.join(medians)} | {verdict} |"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    parser.add_argument("--one-by-one", type=int, default=max(2, round(20 * scale)))
    parser.add_argument("--at-once", type=int, default=max(2, round(10 * scale)))
    parser.add_argument("--starts", type=int, default=max(1, round(5 * scale)))
    args = parser.parse_args(argv)

    with Cluster(bin_dir=build_binaries(), real_node=True, gateway=True) as cluster:
        install_crds(cluster)
        install_rbac(cluster)
        install_policies(cluster)
        ensure_namespace(cluster, NAMESPACE)
        cluster.kubectl(
            "create",
            "rolebinding",
            "users",
            "--clusterrole=nbctl-user",
            "--group=nbctl-users",
            "-n",
            NAMESPACE,
        )
        apply_real_node_template(cluster, NAMESPACE)
        admin, alice = Kube("admin", cluster.kubeconfig("admin")), Kube("alice", cluster.kubeconfig("alice"))
        controller = ControllerProcess(
            cluster, args=["--routing=gateway", "--gateway=kubeflow/kubeflow-gateway"]
        )
        controller.start()
        try:
            _launch(cluster, alice, admin, "warm-up")  # the first pod also starts the node's caches
            _delete_all(admin)
            one_by_one = []
            for index in range(args.one_by_one):
                one_by_one.append(_launch(cluster, alice, admin, f"one-{index:02d}"))
                print(f"one by one {index + 1}: {one_by_one[-1].seconds:.2f}s", file=sys.stderr)
                _delete_all(admin)
            with ThreadPoolExecutor(args.at_once) as pool:
                at_once = list(
                    pool.map(
                        lambda i: _launch(cluster, alice, admin, f"many-{i:02d}", MANY), range(args.at_once)
                    )
                )
            print(f"at once: {[round(x.seconds, 2) for x in at_once]}", file=sys.stderr)
            _delete_all(admin)
            _launch(cluster, alice, admin, "restarted")
            starts = [_start_after_stop(cluster, alice, admin, "restarted") for _ in range(args.starts)]
            print(f"starts: {[round(x.seconds, 2) for x in starts]}", file=sys.stderr)
            _delete_all(admin)
        finally:
            controller.stop()

    table = "\n".join(
        [
            "| what | launches | p50 | p95 | pod created | scheduled | container started | Ready | goal |",
            "|---|---|---|---|---|---|---|---|---|",
            _row("one after another", one_by_one, GOALS["one by one"]),
            _row(f"{args.at_once} at once", at_once, GOALS["at once"]),
            _row("Start of a stopped notebook with a workspace", starts, None),
        ]
    )
    body = (
        "From the create request (or the Start) until the notebook's own `/api/status` answers 200 "
        "through the gateway, on the real node with the image present "
        "(`python -m bench.time_to_notebook`). One at a time, and at Start, a notebook has the "
        f"template's default {ONE['cpu']} CPU and {ONE['memory']}; {args.at_once} at once have "
        f"{MANY['cpu']} CPU and {MANY['memory']} each, to fit on the node's 2 cores; each has a 1Gi "
        "workspace (local-path). The stage columns are medians of the pod's own timestamps, in whole "
        "seconds after the request: when the pod object was made (admission, the controller, the "
        "StatefulSet controller), scheduled, its container started (kubelet, volume, containerd), and "
        "Ready (Jupyter listening; the readiness probe runs every second). The rest, up to the total, "
        "is the endpoint reaching the gateway.\n\n" + table + "\n\n" + WHERE
    )
    print(table)
    write_section("Time to a usable notebook (the real node)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
