"""A cluster with a real node leaves the machine as it found it, however it is stopped.

Each case starts its own cluster with the real node in a child Python (as
`make demo` does), runs a real pod on it, then stops it with Ctrl-C or with a
KILL that gives Python no chance to clean up (the reaper does). Before and
after, the test reads what the node could change: processes, mounts, cgroups,
network links and the kernel settings kubelet rewrites.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from devcluster.node import CGROUP_FS, SYSCTLS, placement
from tests.devcluster_up import start_up
from tests.eventually import eventually


def _machine() -> dict[str, object]:
    return {
        "mounts": sorted(
            " ".join(line.split()[3:5]) for line in Path("/proc/self/mountinfo").read_text().splitlines()
        ),
        "cgroups": sorted(
            str(child)
            for hierarchy in CGROUP_FS.iterdir()
            if hierarchy.is_dir()
            for child in hierarchy.iterdir()
            if child.is_dir()
        ),
        # Other tests' pods come and go on the session's own bridge; bridges do not.
        "bridges": sorted(link for link in _links() if link.startswith("nbctl")),
        "sysctls": {s: Path(f"/proc/sys/{s}").read_text().strip() for s in SYSCTLS},
    }


def _links() -> list[str]:
    out = subprocess.run(["ip", "-o", "link"], capture_output=True, text=True, check=True).stdout
    return [line.split(":")[1].strip().split("@")[0] for line in out.splitlines()]


def _changes(before: dict[str, object], after: dict[str, object]) -> dict[str, object]:
    """What differs, as (gone, new) per kind."""
    changes: dict[str, object] = {}
    for kind, was in before.items():
        now = after[kind]
        if kind == "sysctls":
            if now != was:
                changes[kind] = (was, now)
        elif now != was:
            changes[kind] = (sorted(set(was) - set(now)), sorted(set(now) - set(was)))  # type: ignore[arg-type]
    return changes


def _processes_of(workdir: Path) -> list[str]:
    """Every process whose command line names the cluster's folder (containerd, shims, kubelet...)."""
    found = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmdline = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if str(workdir).encode() in cmdline:
                program = cmdline.split(b"\0")[0].decode(errors="replace")
                found.append(f"{proc.name} {program}")
    return found


@pytest.mark.timeout(300)
@pytest.mark.parametrize("how", [signal.SIGINT, signal.SIGKILL], ids=["ctrl-c", "kill"])
def test_a_stopped_real_node_leaves_nothing_behind(how: signal.Signals) -> None:
    before, links_before = _machine(), _links()
    up, ready = start_up("--real-node")
    try:
        workdir = Path(ready["workdir"])
        kubectl = [ready["kubectl"], f"--kubeconfig={ready['kubeconfigs']['admin']}"]
        image = ready["images"]["notebook"]
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "probe", "namespace": "default"},
            "spec": {
                **placement(),
                "containers": [{"name": "main", "image": image, "imagePullPolicy": "Never"}],
            },
        }
        subprocess.run([*kubectl, "create", "-f", "-"], input=json.dumps(pod), text=True, check=True)
        subprocess.run(
            [*kubectl, "wait", "--for=condition=Ready", "pod/probe", "--timeout=120s"], check=True, text=True
        )
        assert _processes_of(workdir), "the node's processes should be running"
        during = _machine()
        assert during["bridges"] != before["bridges"], "the node's bridge should be there"
        pod_links = set(_links()) - set(links_before)
        assert any(link.startswith("veth") for link in pod_links), "the pod's veth should be there"

        up.send_signal(how)
        up.wait(90)

        eventually(
            lambda: _processes_of(workdir),
            lambda left: left == [],
            timeout=60,
            what="every node process to end",
        )
        eventually(workdir.exists, lambda exists: not exists, timeout=60, what=f"{workdir} to be removed")
        eventually(
            lambda: pod_links & set(_links()), lambda left: not left, timeout=30, what="the veth to go"
        )
        eventually(
            lambda: _changes(before, _machine()),
            lambda changes: not changes,
            timeout=30,
            what="no change left",
        )
    finally:
        if up.poll() is None:
            os.killpg(up.pid, signal.SIGINT)
            up.wait(90)
