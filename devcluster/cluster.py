"""A real Kubernetes control plane on this machine, started from Python.

etcd, kube-apiserver (token auth, RBAC, admission policies), the controller
manager, the scheduler and kwok (the kubelet of fake nodes) run as child
processes on free loopback ports in one temporary directory. The tests and
`make demo` both use this module.

No orphans: every child gets PR_SET_PDEATHSIG, so it dies with the Python
process that started it, even on SIGKILL; a small reaper process removes the
temporary directory when that Python process is gone, however it ended.
Start the cluster from the main thread: the death signal follows the thread
that forked the child.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from devcluster.gateway import Traefik
from devcluster.images import Built
from devcluster.images import build_all as build_images
from devcluster.node import NODE_PARTS, NODE_TAINT, RealNode
from devcluster.node import bin_dir as node_bin_dir
from devcluster.node import reap as reap_node
from devcluster.pki import Pki, issue_certificate, make_pki
from devcluster.processes import Component, free_port
from devcluster.storage import Storage

REPO = Path(__file__).resolve().parent.parent
KWOK_STAGES = Path(__file__).resolve().parent / "kwok-stages"
SERVICE_CIDR = "10.96.0.0/16"
# Pod and node addresses are loopback ones: nothing in a test can reach a
# private network by following a fake pod's IP, and the API server refuses to
# proxy to loopback addresses.
POD_CIDR = "127.64.0.0/16"
NODE_IP = "127.63.0.1"
# kwok reports ImagePullBackOff for pods of this image (kwok-stages/).
UNPULLABLE_IMAGE = "registry.invalid/unpullable:1"
CONTROLLER_USER = "system:serviceaccount:nbctl-system:nbctl-controller"
# The API server's client certificate towards kubelets.
KUBELET_CLIENT = "kube-apiserver-kubelet-client"
KCM_CONTROLLERS = (
    "serviceaccount-controller",
    "serviceaccount-token-controller",
    "namespace-controller",
    "garbage-collector-controller",
    "statefulset-controller",
    "replicaset-controller",
    "deployment-controller",
    "node-lifecycle-controller",
    "clusterrole-aggregation-controller",
    "root-ca-certificate-publisher-controller",
    # Claims: binding to the volumes a provisioner makes, and no deletion while a pod uses one.
    "persistentvolume-binder-controller",
    "persistentvolume-protection-controller",
    "persistentvolumeclaim-protection-controller",
)


@dataclass(frozen=True)
class User:
    """An identity of the static token file."""

    name: str
    uid: str
    groups: tuple[str, ...] = ()

    @property
    def token(self) -> str:
        # Tokens are per-cluster secrets only in name: this cluster is local.
        return f"{self.name.replace(':', '-')}-token"


USERS: dict[str, User] = {
    "admin": User("admin", "1", ("system:masters",)),
    "alice": User("alice", "10", ("nbctl-users",)),
    "bob": User("bob", "11", ("nbctl-users",)),
    "controller": User(
        CONTROLLER_USER, "20", ("system:serviceaccounts", "system:serviceaccounts:nbctl-system")
    ),
    # A Jupyter server's own credential in a hub deployment: each may only
    # impersonate its one user (deploy/hub/impersonate-one-user.yaml).
    "alice-server": User("alice-server", "30"),
    "bob-server": User("bob-server", "31"),
    "kube-controller-manager": User("system:kube-controller-manager", "2"),
    "kube-scheduler": User("system:kube-scheduler", "3"),
    # kwok is the kubelet of every fake node; it needs nodes, pods and leases.
    "kwok": User("kwok", "4", ("system:masters",)),
    # The gateway (Traefik) reads routes, services and endpoints (devcluster/gateway.py).
    "traefik": User("traefik", "5"),
    # The volume provisioner and resizer of the real node (devcluster/storage.py).
    "local-path-provisioner": User("local-path-provisioner", "6"),
    "volume-resizer": User("volume-resizer", "7"),
}
"""Short name → identity. `controller` is named like the controller's ServiceAccount,
so the RBAC and policies written for the real deployment apply to it unchanged."""


@dataclass(frozen=True)
class NodeShape:
    """The allocatable resources of each fake node."""

    count: int = 2
    cpu: str = "256"
    memory: str = "1Ti"
    pods: str = "500"
    gpus: str = "4"
    gpu_resource: str = "nvidia.com/gpu"


class ClusterError(RuntimeError):
    """The control plane did not come up; the message names the component and its log."""


@dataclass
class Cluster:
    """A local control plane. Use as a context manager, or call start() and stop()."""

    bin_dir: Path
    nodes: NodeShape = field(default_factory=NodeShape)
    log: Callable[[str], None] = lambda msg: print(msg, file=sys.stderr, flush=True)
    workdir: Path | None = None
    server: str = ""
    startup_seconds: float = 0.0
    _components: list[Component] = field(default_factory=list)
    _reaper: subprocess.Popen[bytes] | None = None
    _pki: Pki | None = None
    _ports: dict[str, int] = field(default_factory=dict)
    _kwok: Component | None = None
    # One real node (containerd and kubelet) beside the kwok nodes, and a gateway in front of it.
    real_node: bool = False
    gateway: bool = False
    images: tuple[str, ...] = ("pause", "notebook", "controller")
    node: RealNode | None = None
    built_images: dict[str, Built] = field(default_factory=dict)
    _node_bin: Path | None = None
    _traefik: Traefik | None = None

    # ----------------------------------------------------------------- public

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Cluster:
        """Start every component and wait until each is healthy."""
        began = time.monotonic()
        _sweep_stale_workdirs()
        if self.real_node:
            # Built (or found in the cache) before anything starts: a cold build takes minutes.
            self._node_bin = node_bin_dir(*NODE_PARTS, *(("traefik",) if self.gateway else ()))
            self.built_images = build_images(list(self.images))
        self.workdir = Path(tempfile.mkdtemp(prefix=f"nbctl-cluster-{os.getpid()}-"))
        self._start_reaper()
        try:
            self._write_config()
            self._start_etcd()
            self._start_apiserver()
            self._create_nodes()
            self._start_rest()
            if self.real_node:
                assert self._node_bin is not None
                self.node = RealNode(self, self.built_images, self._node_bin)
                self.node.start()
            self._wait_settled()
            if self.real_node:
                assert self._node_bin is not None
                Storage(self, self._node_bin, self.built_images["notebook"].ref).start()
            if self.gateway:
                self._traefik = Traefik(self)
                self._traefik.start()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.monotonic() - began
        self.log(f"cluster ready in {self.startup_seconds:.1f}s at {self.server}")
        return self

    def stop(self) -> None:
        """Stop every component, newest first, and remove the temporary directory."""
        if self.node is not None:
            # The node first: its pods must go while containerd still answers.
            for problem in self.node.stop():
                self.log(f"teardown: {problem}")
            self.node = None
        for component in reversed(self._components):
            component.stop()
        self._components.clear()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
        if self._reaper is not None and self._reaper.poll() is None:
            self._reaper.kill()
            self._reaper.wait()
        self._reaper = None

    @property
    def gateway_url(self) -> str:
        """Where the gateway listens: /notebook/<namespace>/<name>/ there is a notebook's Jupyter."""
        return self._traefik.url if self._traefik is not None else ""

    def kubeconfig(self, user: str = "admin") -> Path:
        """The kubeconfig file of one of USERS."""
        assert self.workdir is not None, "the cluster is not started"
        return self.workdir / "kubeconfigs" / f"{user}.yaml"

    @property
    def ca_cert(self) -> Path:
        assert self._pki is not None, "the cluster is not started"
        return self._pki.ca_cert

    @property
    def kubectl_path(self) -> Path:
        return self.bin_dir / "kubectl"

    def kubectl(
        self, *args: str, user: str = "admin", input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl as a user; raises CalledProcessError with its stderr on failure."""
        return subprocess.run(
            [str(self.kubectl_path), f"--kubeconfig={self.kubeconfig(user)}", *args],
            input=input,
            capture_output=True,
            text=True,
            check=check,
            timeout=120,
        )

    @property
    def audit_log(self) -> Path:
        """JSON lines: one per write request the controller's identity made."""
        assert self.workdir is not None, "the cluster is not started"
        return self.workdir / "audit.log"

    def controller_writes(self) -> list[dict[str, Any]]:
        """The controller's write requests so far, from the audit log."""
        if not self.audit_log.exists():
            return []
        return [json.loads(line) for line in self.audit_log.read_text().splitlines() if line.strip()]

    def pid(self, component: str) -> int:
        """The process id of a running component (etcd, kube-apiserver, ...), for the benchmarks."""
        for running in self._components:
            if running.name == component and running.process is not None:
                return running.process.pid
        raise KeyError(component)

    def metrics(self) -> str:
        """The API server's /metrics text, read as admin."""
        return self._get(f"{self.server}/metrics", token=USERS["admin"].token)

    def info(self) -> dict[str, Any]:
        """What a client needs to reach the cluster, also written to cluster.json."""
        assert self.workdir is not None
        return {
            "server": self.server,
            "ca": str(self.ca_cert),
            "kubeconfigs": {name: str(self.kubeconfig(name)) for name in USERS},
            "kubectl": str(self.kubectl_path),
            "workdir": str(self.workdir),
            **(
                {"images": {name: built.ref for name, built in self.built_images.items()}}
                if self.real_node
                else {}
            ),
            **({"gateway": self.gateway_url} if self.gateway else {}),
        }

    # ---------------------------------------------------------------- startup

    def _start_reaper(self) -> None:
        assert self.workdir is not None
        # A separate session survives whatever killed us, then cleans up.
        # It also ends what a real node left (shims, containers, cgroups, its bridge).
        reap = f"cd '{REPO}' && '{sys.executable}' -m devcluster.node '{self.workdir}'"
        script = (
            f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 0.5; done; sleep 1; "
            f"{reap}; rm -rf '{self.workdir}'"
        )
        self._reaper = subprocess.Popen(
            ["sh", "-c", script],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _write_config(self) -> None:
        assert self.workdir is not None
        for name in ("etcd", "apiserver", "kcm", "scheduler", "etcd-peer"):
            self._ports[name] = free_port()
        self.server = f"https://127.0.0.1:{self._ports['apiserver']}"
        self._pki = make_pki(self.workdir / "pki")
        issue_certificate(
            self._pki,
            self.workdir / "pki",
            "apiserver-kubelet-client",
            KUBELET_CLIENT,
            ("nbctl:kubelet-api",),
        )
        (self.workdir / "logs").mkdir()
        rows = []
        for user in USERS.values():
            groups = ",".join(user.groups)
            rows.append(
                f'{user.token},{user.name},{user.uid},"{groups}"'
                if groups
                else f"{user.token},{user.name},{user.uid}"
            )
        (self.workdir / "tokens.csv").write_text("\n".join(rows) + "\n")
        (self.workdir / "tokens.csv").chmod(0o600)
        kubeconfigs = self.workdir / "kubeconfigs"
        kubeconfigs.mkdir()
        for short, user in USERS.items():
            (kubeconfigs / f"{short}.yaml").write_text(
                _kubeconfig(self.server, self._pki.ca_cert, short, user.token)
            )
        (self.workdir / "cluster.json").write_text(json.dumps(self.info(), indent=2))
        # The audit log records every write the controller makes, and nothing else:
        # the tests count them (apiserver_request_total has no user label).
        (self.workdir / "audit-policy.yaml").write_text(
            json.dumps(
                {
                    "apiVersion": "audit.k8s.io/v1",
                    "kind": "Policy",
                    "omitStages": ["RequestReceived"],
                    "rules": [
                        {
                            "level": "Metadata",
                            "users": [CONTROLLER_USER],
                            "verbs": ["create", "update", "patch", "delete", "deletecollection"],
                        },
                        {"level": "None"},
                    ],
                }
            )
        )

    def component(self, name: str, args: list[str], env: dict[str, str] | None = None) -> Component:
        assert self.workdir is not None
        component = Component(name, args, self.workdir / "logs" / f"{name}.log", env)
        self._components.append(component)
        component.start()
        return component

    def _start_etcd(self) -> None:
        assert self.workdir is not None
        client = f"http://127.0.0.1:{self._ports['etcd']}"
        peer = f"http://127.0.0.1:{self._ports['etcd-peer']}"
        etcd = self.component(
            "etcd",
            [
                str(self.bin_dir / "etcd"),
                "--name=node0",
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls={client}",
                f"--advertise-client-urls={client}",
                f"--listen-peer-urls={peer}",
                f"--initial-advertise-peer-urls={peer}",
                f"--initial-cluster=node0={peer}",
                "--unsafe-no-fsync",
                "--auto-compaction-retention=1",
                "--quota-backend-bytes=8589934592",
                "--log-level=warn",
            ],
        )
        self.wait(etcd, lambda: '"health":"true"' in self._get(f"{client}/health"), 30)

    def _start_apiserver(self) -> None:
        assert self.workdir is not None and self._pki is not None
        pki = self._pki
        apiserver = self.component(
            "kube-apiserver",
            [
                str(self.bin_dir / "kube-apiserver"),
                f"--etcd-servers=http://127.0.0.1:{self._ports['etcd']}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={self._ports['apiserver']}",
                f"--cert-dir={self.workdir / 'pki'}",
                f"--tls-cert-file={pki.serving_cert}",
                f"--tls-private-key-file={pki.serving_key}",
                f"--client-ca-file={pki.ca_cert}",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                "--allow-privileged=true",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki.sa_pub}",
                f"--service-account-signing-key-file={pki.sa_key}",
                "--authorization-mode=Node,RBAC",
                f"--token-auth-file={self.workdir / 'tokens.csv'}",
                "--endpoint-reconciler-type=none",
                # Both admission policy plugins are on by default in 1.36; naming
                # them makes a missing one fail loudly at start.
                "--enable-admission-plugins=ValidatingAdmissionPolicy,MutatingAdmissionPolicy",
                f"--audit-policy-file={self.workdir / 'audit-policy.yaml'}",
                f"--audit-log-path={self.audit_log}",
                "--audit-log-mode=blocking",
                # logs, exec and port-forward reach the real node's kubelet with this identity.
                f"--kubelet-client-certificate={self.workdir / 'pki' / 'apiserver-kubelet-client.crt'}",
                f"--kubelet-client-key={self.workdir / 'pki' / 'apiserver-kubelet-client.key'}",
                f"--kubelet-certificate-authority={pki.ca_cert}",
                "--kubelet-preferred-address-types=InternalIP",
                "--profiling=false",
                "--event-ttl=1h",
                "--v=1",
            ],
        )
        token = USERS["admin"].token
        self.wait(apiserver, lambda: self._get(f"{self.server}/readyz", token=token) == "ok", 90)

    def _create_nodes(self) -> None:
        shape = self.nodes
        for index in range(shape.count):
            name = f"kwok-node-{index}"
            resources = {
                "cpu": shape.cpu,
                "memory": shape.memory,
                "pods": shape.pods,
                shape.gpu_resource: shape.gpus,
            }
            node = {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": name,
                    "annotations": {
                        "node.alpha.kubernetes.io/ttl": "0",
                        "kwok.x-k8s.io/node": "fake",
                    },
                    "labels": {
                        "kubernetes.io/hostname": name,
                        "kubernetes.io/os": "linux",
                        "kubernetes.io/arch": "amd64",
                        "type": "kwok",
                    },
                },
                "status": {
                    "allocatable": resources,
                    "capacity": resources,
                    "nodeInfo": {
                        "architecture": "amd64",
                        "operatingSystem": "linux",
                        "kubeletVersion": "fake",
                    },
                },
            }
            self.kubectl("create", "-f", "-", input=json.dumps(node))

    def _start_rest(self) -> None:
        assert self.workdir is not None and self._pki is not None
        pki = self._pki
        kcm = self.component(
            "kube-controller-manager",
            [
                str(self.bin_dir / "kube-controller-manager"),
                f"--kubeconfig={self.kubeconfig('kube-controller-manager')}",
                f"--authentication-kubeconfig={self.kubeconfig('kube-controller-manager')}",
                f"--authorization-kubeconfig={self.kubeconfig('kube-controller-manager')}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={self._ports['kcm']}",
                f"--cert-dir={self.workdir / 'pki' / 'kcm'}",
                f"--controllers={','.join(self._kcm_controllers())}",
                f"--service-account-private-key-file={pki.sa_key}",
                f"--root-ca-file={pki.ca_cert}",
                "--use-service-account-credentials=true",
                "--kube-api-qps=200",
                "--kube-api-burst=400",
                "--concurrent-statefulset-syncs=10",
                "--v=1",
            ],
        )
        scheduler = self.component(
            "kube-scheduler",
            [
                str(self.bin_dir / "kube-scheduler"),
                f"--kubeconfig={self.kubeconfig('kube-scheduler')}",
                f"--authentication-kubeconfig={self.kubeconfig('kube-scheduler')}",
                f"--authorization-kubeconfig={self.kubeconfig('kube-scheduler')}",
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                f"--secure-port={self._ports['scheduler']}",
                f"--cert-dir={self.workdir / 'pki' / 'scheduler'}",
                "--kube-api-qps=200",
                "--kube-api-burst=400",
                "--v=1",
            ],
        )
        stages = self.workdir / "kwok.yaml"
        stage_files = sorted(KWOK_STAGES.glob("*.yaml")) + _kwok_default_stages(self.bin_dir)
        documents = [doc for path in stage_files for doc in yaml.safe_load_all(path.read_text()) if doc]
        for doc in documents:
            if doc["metadata"]["name"] == "pod-ready":
                doc["spec"]["selector"]["matchExpressions"].append(
                    {"key": ".spec.containers.[0].image", "operator": "NotIn", "values": [UNPULLABLE_IMAGE]}
                )
        stages.write_text(yaml.safe_dump_all(documents))
        kwok = self.component(
            "kwok",
            [
                str(self.bin_dir / "kwok"),
                f"--kubeconfig={self.kubeconfig('kwok')}",
                "--manage-all-nodes=false",
                "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake",
                f"--config={stages}",
                f"--cidr={POD_CIDR}",
                f"--node-ip={NODE_IP}",
                # Without leases the node lifecycle controller finds the nodes
                # silent after its grace period and marks every pod NotReady.
                "--node-lease-duration-seconds=40",
            ],
        )
        self.wait(kcm, lambda: self._get(f"https://127.0.0.1:{self._ports['kcm']}/healthz") == "ok", 60)
        self.wait(
            scheduler,
            lambda: self._get(f"https://127.0.0.1:{self._ports['scheduler']}/healthz") == "ok",
            60,
        )
        self._kwok = kwok

    def _kcm_controllers(self) -> tuple[str, ...]:
        # A gateway routes to a Service's EndpointSlices; without one, they are writes nobody reads.
        return (*KCM_CONTROLLERS, "endpointslice-controller") if self.gateway else KCM_CONTROLLERS

    @property
    def pki(self) -> Pki | None:
        return self._pki

    def _wait_settled(self) -> None:
        """Nodes ready and schedulable, and the default ServiceAccount made."""

        def nodes_ready() -> bool:
            out = self.kubectl("get", "nodes", "-o", "json").stdout
            items = json.loads(out)["items"]
            for node in items:
                conditions = {c["type"]: c["status"] for c in node["status"].get("conditions", [])}
                # The real node keeps its own taint (only pods that ask land there).
                taints = [t for t in node["spec"].get("taints") or [] if t["key"] != NODE_TAINT["key"]]
                if conditions.get("Ready") != "True" or taints:
                    return False
            return len(items) == self.nodes.count + (1 if self.real_node else 0)

        def default_sa() -> bool:
            return self.kubectl("get", "serviceaccount", "default", check=False).returncode == 0

        assert self._kwok is not None
        if self.real_node:
            self._bind_kubelet_client()
        self.wait(self._kwok, nodes_ready, 90, what="the nodes to become Ready and untainted")
        self.wait(self._components[-1], default_sa, 60, what="the default ServiceAccount")

    def _bind_kubelet_client(self) -> None:
        # The kubelet asks the API server whether the API server's own client may
        # read logs or exec: kubelet-api-admin says yes, and nothing more.
        self.kubectl(
            "create",
            "clusterrolebinding",
            "nbctl-apiserver-kubelet",
            "--clusterrole=system:kubelet-api-admin",
            f"--user={KUBELET_CLIENT}",
        )

    # ---------------------------------------------------------------- helpers

    def _ssl(self) -> ssl.SSLContext:
        if self._pki is not None and self._pki.ca_cert.exists():
            context = ssl.create_default_context(cafile=str(self._pki.ca_cert))
        else:
            context = ssl.create_default_context()
        return context

    def _get(self, url: str, token: str | None = None) -> str:
        request = urllib.request.Request(url)
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        context = self._ssl()
        if url.startswith("https://") and not url.startswith(self.server or "\0"):
            # The controller manager and scheduler serve self-signed health endpoints.
            context = ssl._create_unverified_context()  # noqa: S323
        with urllib.request.urlopen(request, timeout=5, context=context) as response:
            return str(response.read().decode())

    def wait(
        self,
        component: Component,
        ready: Callable[[], bool],
        timeout: float,
        what: str | None = None,
    ) -> None:
        what = what or component.name
        deadline = time.monotonic() + timeout
        began = time.monotonic()
        while time.monotonic() < deadline:
            if not component.alive():
                raise ClusterError(
                    f"{component.name} exited while waiting for {what}; "
                    f"its log ({component.log}):\n{component.tail()}"
                )
            with contextlib.suppress(
                OSError, urllib.error.URLError, ValueError, KeyError, subprocess.SubprocessError
            ):
                if ready():
                    self.log(f"  {what}: ready after {time.monotonic() - began:.1f}s")
                    return
            time.sleep(0.2)
        raise ClusterError(
            f"timed out after {timeout:.0f}s waiting for {what}; "
            f"the log of {component.name} ({component.log}):\n{component.tail()}"
        )


def _kwok_default_stages(bin_dir: Path) -> list[Path]:
    # build.sh copies kwok's own stage files beside the binaries.
    return sorted((bin_dir.parent / "kwok-stages").glob("*.yaml"))


def _kubeconfig(server: str, ca: Path, name: str, token: str) -> str:
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": "nbctl-dev", "cluster": {"server": server, "certificate-authority": str(ca)}}
            ],
            "users": [{"name": name, "user": {"token": token}}],
            "contexts": [
                {"name": name, "context": {"cluster": "nbctl-dev", "user": name, "namespace": "default"}}
            ],
            "current-context": name,
        },
        indent=2,
    )


def _sweep_stale_workdirs() -> None:
    """Remove directories of earlier runs whose process is gone (belt and braces)."""
    for path in Path(tempfile.gettempdir()).glob("nbctl-cluster-*-*"):
        try:
            pid = int(path.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if not _pid_alive(pid):
            reap_node(path)
            shutil.rmtree(path, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build_binaries() -> Path:
    """Build (or find in the cache) the control plane; returns the bin directory."""
    result = subprocess.run(
        ["bash", str(Path(__file__).resolve().parent / "build.sh")],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return Path(result.stdout.strip().splitlines()[-1])
