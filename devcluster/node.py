"""One real node beside the kwok nodes: containerd and a kubelet on this machine.

Its pods are real containers (runc) of images built here (devcluster/images.py),
on a bridge of their own. What the node touches on the machine, and how it is
put back:

- Mounts and the kernel settings kubelet rewrites: containerd and kubelet run
  in a private mount namespace (held by a small process) with tmpfs over
  /var/lib, /var/log, /run and /opt, and a plain file bind-mounted over each
  /proc/sys setting they would change. Nothing outside the cluster's folder
  is written, and the namespace, with every mount in it, is gone when its last
  process ends.
- Cgroups: kubelet puts every pod under a cgroup root named after the cluster
  (`/nbctl-<pid>-<n>`), which teardown empties and removes.
- The network: one bridge with a /24 on it; no default route in the pods, no
  forwarding and no masquerading, so pods reach only each other and this
  machine. Teardown deletes the bridge.
- Processes: containerd's shims and the containers outlive containerd by
  design; teardown removes the pods, then ends any shim or container still
  there by its PID.

The same cleanup runs from the cluster's reaper when the Python process that
started the node died without a teardown (devcluster.cluster).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devcluster.images import CACHE
from devcluster.pki import issue_certificate
from devcluster.processes import Component, free_port

if TYPE_CHECKING:
    from devcluster.cluster import Cluster
    from devcluster.images import Built

NODE_NAME = "nbctl-real-node"
NODE_LABEL = "jackhoman.dev/node"
NODE_LABEL_VALUE = "real"
# Pods that should run here tolerate this taint (and select the label); the
# kwok pods of the other tests and benchmarks do not, so they stay on kwok.
NODE_TAINT = {"key": "jackhoman.dev/real-node", "value": "true", "effect": "NoSchedule"}
# The kernel settings kubelet (and the CNI bridge plugin) would change.
SYSCTLS = (
    "vm/overcommit_memory",
    "vm/panic_on_oom",
    "kernel/panic",
    "kernel/panic_on_oops",
    "kernel/keys/root_maxkeys",
    "kernel/keys/root_maxbytes",
    "net/ipv4/ip_forward",
)
# Nothing of the host's is needed below these; the node's writes land in tmpfs.
PRIVATE_DIRS = ("/var/lib", "/var/log", "/run", "/opt")
CGROUP_FS = Path("/sys/fs/cgroup")
SUBNET_BASE = "10.213"


def placement() -> dict[str, object]:
    """What a pod template adds to run on the real node."""
    return {
        "nodeSelector": {NODE_LABEL: NODE_LABEL_VALUE},
        "tolerations": [{**NODE_TAINT, "operator": "Equal"}],
    }


@dataclass(frozen=True)
class NodeState:
    """What cleanup needs, written to the cluster's folder before anything starts."""

    workdir: str
    bridge: str
    subnet: str
    node_ip: str
    cgroup_root: str
    bin_dir: str

    @property
    def socket(self) -> Path:
        return Path(self.workdir) / "node" / "containerd.sock"

    def save(self) -> None:
        (Path(self.workdir) / "node.json").write_text(json.dumps(asdict(self)))

    @classmethod
    def load(cls, workdir: Path) -> NodeState | None:
        path = workdir / "node.json"
        return cls(**json.loads(path.read_text())) if path.exists() else None


def pick_network(tag: str) -> tuple[str, str, str]:
    """A bridge name and a /24 that nothing on this machine uses yet: (bridge, subnet, host IP)."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    links = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    for third in range(1, 255):
        bridge = f"nbctl{third}"
        if f" {bridge}:" in links or f" {bridge}@" in links or f"{SUBNET_BASE}.{third}." in used:
            continue
        return bridge, f"{SUBNET_BASE}.{third}.0/24", f"{SUBNET_BASE}.{third}.1"
    raise RuntimeError(f"no free {SUBNET_BASE}.x.0/24 for the real node's bridge ({tag})")


def create_bridge(state: NodeState) -> None:
    prefix = state.subnet.split("/")[1]
    subprocess.run(["ip", "link", "add", "name", state.bridge, "type", "bridge"], check=True)
    subprocess.run(["ip", "addr", "add", f"{state.node_ip}/{prefix}", "dev", state.bridge], check=True)
    subprocess.run(["ip", "link", "set", state.bridge, "up"], check=True)


def create_cgroup_root(state: NodeState) -> None:
    """kubelet wants its cgroup root to exist in every v1 hierarchy before it starts."""
    for hierarchy in CGROUP_FS.iterdir():
        if hierarchy.name == "unified" or not hierarchy.is_dir():
            continue
        top = hierarchy / state.cgroup_root.lstrip("/")
        top.mkdir(exist_ok=True)
        if hierarchy.name == "cpuset":
            # A v1 cpuset takes no task until its CPUs and memory nodes are set.
            for knob in ("cpuset.cpus", "cpuset.mems"):
                (top / knob).write_text((hierarchy / knob).read_text())


def namespace_script(state: NodeState) -> str:
    """The holder of the private mount namespace: set it up, say so, then wait."""
    work = Path(state.workdir) / "node"
    lines = ["set -e"]
    for directory in PRIVATE_DIRS:
        lines.append(f"mount -t tmpfs -o mode=0755 nbctl-node {directory}")
    for setting in SYSCTLS:
        copy = work / "sysctl" / setting.replace("/", ".")
        lines.append(f"cat /proc/sys/{setting} > {copy}")
        lines.append(f"mount --bind {copy} /proc/sys/{setting}")
    lines.append(f"touch {work / 'namespace.ready'}")
    lines.append("exec sleep infinity")
    return "\n".join(lines)


def containerd_config(state: NodeState, sandbox_image: str) -> str:
    work = Path(state.workdir) / "node"
    return f"""version = 3
root = "{work / "containerd" / "root"}"
state = "{work / "containerd" / "state"}"
temp = "{work / "containerd" / "tmp"}"
oom_score = 0

[grpc]
  address = "{state.socket}"

[ttrpc]
  address = "{work / "containerd.ttrpc.sock"}"

[debug]
  level = "warn"

[plugins]
  [plugins.'io.containerd.internal.v1.opt']
    path = "{work / "containerd" / "opt"}"
  [plugins.'io.containerd.nri.v1.nri']
    disable = true
  [plugins.'io.containerd.cri.v1.images']
    snapshotter = "overlayfs"
    [plugins.'io.containerd.cri.v1.images'.pinned_images]
      sandbox = "{sandbox_image}"
  [plugins.'io.containerd.cri.v1.runtime']
    enable_selinux = false
    disable_apparmor = true
    # The capability bounding set here lacks CAP_SYS_RESOURCE.
    restrict_oom_score_adj = true
    netns_mounts_under_state_dir = true
    enable_cdi = false
    [plugins.'io.containerd.cri.v1.runtime'.containerd]
      default_runtime_name = "runc"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
          BinaryName = "{Path(state.bin_dir) / "runc"}"
          SystemdCgroup = false
    [plugins.'io.containerd.cri.v1.runtime'.cni]
      bin_dirs = ["{Path(state.bin_dir) / "cni"}"]
      conf_dir = "{work / "cni" / "net.d"}"
  [plugins.'io.containerd.grpc.v1.cri']
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
"""


def cni_config(state: NodeState) -> str:
    third = state.node_ip.rsplit(".", 1)[0]
    return json.dumps(
        {
            "cniVersion": "1.0.0",
            "name": "nbctl",
            "plugins": [
                {
                    "type": "bridge",
                    "bridge": state.bridge,
                    # The host holds the gateway address; pods get no default
                    # route, nothing is forwarded or masqueraded.
                    "isGateway": False,
                    "isDefaultGateway": False,
                    "ipMasq": False,
                    "hairpinMode": False,
                    "ipam": {
                        "type": "host-local",
                        "ranges": [[{"subnet": state.subnet, "rangeStart": f"{third}.10"}]],
                        "dataDir": str(Path(state.workdir) / "node" / "cni" / "ipam"),
                    },
                }
            ],
        },
        indent=2,
    )


def kubelet_config(
    state: NodeState, ca: Path, cert: Path, key: Path, port: int, healthz_port: int
) -> dict[str, object]:
    work = Path(state.workdir) / "node"
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": state.node_ip,
        "port": port,
        "readOnlyPort": 0,
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": healthz_port,
        "tlsCertFile": str(cert),
        "tlsPrivateKeyFile": str(key),
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(ca)},
        },
        "authorization": {"mode": "Webhook"},
        "containerRuntimeEndpoint": f"unix://{state.socket}",
        # This machine has cgroup v1 (hybrid) and no systemd as PID 1.
        "failCgroupV1": False,
        "cgroupDriver": "cgroupfs",
        "cgroupRoot": state.cgroup_root,
        "cgroupsPerQOS": True,
        "enforceNodeAllocatable": ["pods"],
        "failSwapOn": False,
        # The capability bounding set lacks CAP_SYS_RESOURCE.
        "oomScoreAdj": 0,
        "resolvConf": "",
        "hairpinMode": "none",
        # The disk is shared with everything else here; the images are built
        # here and cannot be pulled again, so image GC never removes them.
        "evictionHard": {"memory.available": "200Mi", "nodefs.available": "1%", "imagefs.available": "1%"},
        "imageGCHighThresholdPercent": 100,
        "imageGCLowThresholdPercent": 99,
        "podLogsDir": str(work / "pod-logs"),
        "volumePluginDir": str(work / "volume-plugins"),
        "registerWithTaints": [NODE_TAINT],
        "maxPods": 30,
        "serializeImagePulls": False,
        "syncFrequency": "10s",
        "nodeStatusReportFrequency": "1m",
        "shutdownGracePeriod": "0s",
        "localStorageCapacityIsolation": True,
    }


# ------------------------------------------------------------------ cleanup


def _pids_in_cgroups(root: str) -> set[int]:
    pids: set[int] = set()
    for hierarchy in CGROUP_FS.iterdir():
        top = hierarchy / root.lstrip("/")
        if not top.is_dir():
            continue
        for procs in top.rglob("cgroup.procs"):
            with contextlib.suppress(OSError, ValueError):
                pids.update(int(p) for p in procs.read_text().split())
    return pids


def _our_shims(state: NodeState) -> set[int]:
    """containerd shims started by this node's containerd: their command line names its socket."""
    found: set[int] = set()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
            if os.path.basename(cmdline[0]) == b"containerd-shim-runc-v2" and any(
                state.workdir.encode() in arg for arg in cmdline
            ):
                found.add(int(proc.name))
    return found


def _kill(pids: set[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _remove_cgroups(root: str, timeout: float = 10) -> list[str]:
    """rmdir the cgroup tree under `root` in every hierarchy, deepest first; returns what stayed."""
    deadline = time.monotonic() + timeout
    left: list[str] = []
    while True:
        left = []
        for hierarchy in CGROUP_FS.iterdir():
            top = hierarchy / root.lstrip("/")
            if not top.is_dir():
                continue
            for directory in sorted((p for p in top.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
                with contextlib.suppress(OSError):
                    directory.rmdir()
            try:
                top.rmdir()
            except FileNotFoundError:
                pass
            except OSError:
                left.append(str(top))
        if not left or time.monotonic() > deadline:
            return left
        _kill(_pids_in_cgroups(root))
        time.sleep(0.2)


def cleanup(state: NodeState) -> list[str]:
    """End what the node left running and remove what it made on the machine.

    Idempotent; returns what could not be removed (empty when all is clean).
    """
    problems: list[str] = []
    _kill(_our_shims(state))
    _kill(_pids_in_cgroups(state.cgroup_root))
    problems += [f"cgroup {p} still has tasks" for p in _remove_cgroups(state.cgroup_root)]
    links = subprocess.run(["ip", "-o", "link", "show", state.bridge], capture_output=True, text=True)
    if links.returncode == 0:
        deleted = subprocess.run(["ip", "link", "del", state.bridge], capture_output=True, text=True)
        if deleted.returncode != 0:
            problems.append(f"bridge {state.bridge}: {deleted.stderr.strip()}")
    return problems


def remove_pods(state: NodeState, crictl: Path) -> None:
    """Stop and remove every pod through the CRI, so the CNI releases each pod's network."""
    endpoint = f"unix://{state.socket}"
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        subprocess.run(
            [
                str(crictl),
                f"--runtime-endpoint={endpoint}",
                f"--image-endpoint={endpoint}",
                "--timeout=20s",
                "rmp",
                "--all",
                "--force",
            ],
            capture_output=True,
            timeout=60,
        )


def reap(workdir: Path) -> None:
    """Cleanup for a node whose cluster process died: called by the cluster's reaper."""
    state = NodeState.load(workdir)
    if state is not None:
        for problem in cleanup(state):
            print(f"devcluster reaper: {problem}", flush=True)


NODE_PARTS = ("runc", "cni", "crictl", "containerd", "kubelet", "localpath")


def bin_dir(*parts: str) -> Path:
    """The node's binaries, built (or found in the cache) by devcluster/build-node.sh."""
    result = subprocess.run(
        ["bash", str(Path(__file__).resolve().parent / "build-node.sh"), *(parts or NODE_PARTS)],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return Path(result.stdout.strip().splitlines()[-1])


def require_root() -> None:
    if os.geteuid() != 0:
        raise PermissionError("the real node needs root (containerd, kubelet, a bridge and cgroups)")
    for tool in ("ip", "unshare", "nsenter"):
        if shutil.which(tool) is None:
            raise FileNotFoundError(f"the real node needs `{tool}` (Debian: iproute2, util-linux)")


class RealNode:
    """Starts and stops the node's processes as components of a Cluster (devcluster.cluster)."""

    def __init__(self, cluster: Cluster, images: dict[str, Built], node_bin: Path) -> None:
        assert cluster.workdir is not None
        self.cluster = cluster
        self.images = images
        self.bin_dir = node_bin
        bridge, subnet, node_ip = pick_network(cluster.workdir.name)
        self.state = NodeState(
            workdir=str(cluster.workdir),
            bridge=bridge,
            subnet=subnet,
            node_ip=node_ip,
            cgroup_root=f"/{cluster.workdir.name}",
            bin_dir=str(self.bin_dir),
        )
        self.work = cluster.workdir / "node"
        self.kubelet_port = free_port()
        self._holder: Component | None = None
        self._containerd: Component | None = None
        self._kubelet: Component | None = None

    @property
    def name(self) -> str:
        return NODE_NAME

    def start(self) -> None:
        require_root()
        cluster, state, work = self.cluster, self.state, self.work
        assert cluster.pki is not None
        state.save()  # before anything is made, so the reaper can undo it
        for sub in ("sysctl", "cni/net.d", "cni/ipam", "containerd", "pod-logs", "volume-plugins", "pki"):
            (work / sub).mkdir(parents=True, exist_ok=True)
        create_bridge(state)
        create_cgroup_root(state)
        (work / "cni" / "net.d" / "10-nbctl.conflist").write_text(cni_config(state))
        (work / "containerd.toml").write_text(containerd_config(state, self.images["pause"].ref))
        serving = issue_certificate(
            cluster.pki,
            work / "pki",
            "kubelet",
            NODE_NAME,
            ips=(state.node_ip,),
            dns=(NODE_NAME,),
            server=True,
        )
        client = issue_certificate(
            cluster.pki, work / "pki", "kubelet-client", f"system:node:{NODE_NAME}", ("system:nodes",)
        )
        (work / "kubelet.kubeconfig").write_text(
            json.dumps(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [
                        {
                            "name": "local",
                            "cluster": {
                                "server": cluster.server,
                                "certificate-authority": str(cluster.ca_cert),
                            },
                        }
                    ],
                    "users": [
                        {
                            "name": "node",
                            "user": {"client-certificate": str(client[0]), "client-key": str(client[1])},
                        }
                    ],
                    "contexts": [{"name": "node", "context": {"cluster": "local", "user": "node"}}],
                    "current-context": "node",
                }
            )
        )
        (work / "kubelet.yaml").write_text(
            json.dumps(
                kubelet_config(state, cluster.ca_cert, *serving, self.kubelet_port, free_port()), indent=2
            )
        )

        ready = work / "namespace.ready"
        self._holder = cluster.component(
            "node-namespace",
            ["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", namespace_script(state)],
        )
        cluster.wait(self._holder, ready.exists, 10, what="the node's private mount namespace")
        assert self._holder.process is not None
        enter = ["nsenter", f"--mount=/proc/{self._holder.process.pid}/ns/mnt", "--"]
        env = {"PATH": f"{self.bin_dir}:/usr/sbin:/usr/bin:/sbin:/bin"}
        self._image_store(enter, env)
        self._containerd = cluster.component(
            "containerd",
            [*enter, str(self.bin_dir / "containerd"), f"--config={work / 'containerd.toml'}"],
            env=env,
        )
        cluster.wait(self._containerd, self._runtime_ready, 30, what="containerd")
        self._kubelet = cluster.component(
            "kubelet",
            [
                *enter,
                str(self.bin_dir / "kubelet"),
                f"--config={work / 'kubelet.yaml'}",
                f"--kubeconfig={work / 'kubelet.kubeconfig'}",
                f"--root-dir={work / 'kubelet'}",
                f"--node-ip={state.node_ip}",
                f"--hostname-override={NODE_NAME}",
                f"--node-labels={NODE_LABEL}={NODE_LABEL_VALUE}",
                "--v=1",
            ],
            env=env,
        )

    def _image_store(self, enter: list[str], env: dict[str, str]) -> None:
        """containerd's root with every image unpacked, as hard links to a cached store.

        Importing and unpacking the images takes most of a minute; a store made
        once per set of images (and kept by its key) is linked in at once. Only
        content blobs and unpacked layers, which containerd never changes, are
        links; its databases and everything else are copies.
        """
        key = hashlib.sha256(
            json.dumps([sorted(b.ref for b in self.images.values()), str(self.bin_dir)]).encode()
        ).hexdigest()[:16]
        store = CACHE / "node" / f"image-store-{key}"
        root = self.work / "containerd" / "root"
        with _locked(CACHE / "node" / "image-store.lock"):
            if not (store / ".done").exists():
                began = time.monotonic()
                shutil.rmtree(store, ignore_errors=True)
                store.mkdir(parents=True)
                config = self.work / "containerd-images.toml"
                config.write_text(
                    containerd_config(self.state, self.images["pause"].ref).replace(
                        f'root = "{root}"', f'root = "{store / "root"}"', 1
                    )
                )
                importer = self.cluster.component(
                    "containerd-images",
                    [*enter, str(self.bin_dir / "containerd"), f"--config={config}"],
                    env=env,
                )
                self.cluster.wait(importer, self._runtime_ready, 30, what="containerd (to import the images)")
                with ThreadPoolExecutor(len(self.images)) as pool:
                    for future in [pool.submit(self._import, built) for built in self.images.values()]:
                        future.result()
                importer.stop(10)
                (store / ".done").touch()
                # Older stores: running clusters hold their own links, so they may go.
                for old in (CACHE / "node").glob("image-store-*"):
                    if old != store:
                        shutil.rmtree(old, ignore_errors=True)
                self.cluster.log(f"  images unpacked into {store} in {time.monotonic() - began:.1f}s (once)")
        _link_tree(store / "root", root)

    def _runtime_ready(self) -> bool:
        return self._crictl("info").returncode == 0

    def _crictl(self, *args: str) -> subprocess.CompletedProcess[str]:
        endpoint = f"unix://{self.state.socket}"
        return subprocess.run(
            [
                str(self.bin_dir / "crictl"),
                f"--runtime-endpoint={endpoint}",
                f"--image-endpoint={endpoint}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )

    def _import(self, built: Built) -> None:
        began = time.monotonic()
        out = subprocess.run(
            [
                str(self.bin_dir / "ctr"),
                f"--address={self.state.socket}",
                "--namespace=k8s.io",
                "images",
                "import",
                "--platform=linux/amd64",
                str(built.archive),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if out.returncode != 0:
            raise RuntimeError(f"importing {built.ref} into containerd failed: {out.stderr.strip()}")
        self.cluster.log(f"  image {built.ref}: imported in {time.monotonic() - began:.1f}s")

    def stop(self) -> list[str]:
        """Stop kubelet, remove the pods, stop containerd, then undo what the node made."""
        if self._kubelet is not None:
            self._kubelet.stop(10)
        if self._containerd is not None and self._containerd.alive():
            remove_pods(self.state, self.bin_dir / "crictl")
            self._containerd.stop(10)
        problems = cleanup(self.state)
        if self._holder is not None:
            self._holder.stop(2)
        return problems

    def logs(self, component: str = "kubelet", lines: int = 40) -> str:
        running = {"kubelet": self._kubelet, "containerd": self._containerd}[component]
        return running.tail(lines) if running is not None else ""


if __name__ == "__main__":
    import sys

    reap(Path(sys.argv[1]))


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# Inside containerd's root, what it writes once and never changes again.
_IMMUTABLE = ("io.containerd.content.v1.content/blobs", "io.containerd.snapshotter.v1.overlayfs/snapshots")


def _link_tree(src: Path, dst: Path) -> None:
    """Copy a containerd root as hard links, then make real copies of every mutable file."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["cp", "-a", "--link", str(src), str(dst)], check=True)
    for directory, subdirs, files in os.walk(dst):
        rel = os.path.relpath(directory, dst)
        if rel.startswith(_IMMUTABLE):
            subdirs.clear()
            continue
        for name in files:
            path = Path(directory) / name
            if path.is_symlink() or not path.is_file():
                continue
            copy = path.with_name(name + ".copy")
            shutil.copy2(path, copy)
            os.replace(copy, path)
