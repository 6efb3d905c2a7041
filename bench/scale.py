"""The controller at scale: memory, CPU, latency, calm, noise, fan-out and cold start.

One local control plane (kwok nodes sized for the load) and the controller as
its own ServiceAccount identity, from its own environment (as its image).
Notebooks spread over 50 namespaces grow in stages of 200, 500, 1,000, 2,000
and 5,000, all using one shared Template. At each stage: the growth until
every notebook is Running, a burst of 200 creates at 20 per second, a calm
minute, and a controller restart. After the first stage, 5,000 pods of
StatefulSets that are not ours churn; at 2,000, the Template is edited;
before the last stage grows, 900 notebooks are created at once. Latencies
come from the bench's own watches, writes from the API server's /metrics and
its audit log of the controller's requests, memory and CPU from /proc.
Every count is multiplied by BENCH_SCALE (or --scale).

    python -m bench.scale [--scale 0.1]

Writes "The controller at scale" in docs/benchmarks.md and the plot
docs/benchmarks-scale.png.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from nbctl_controller.names import NOTEBOOK_LABEL, SELECTOR

from bench import report
from bench.apiwrites import split, write_counts
from bench.audit import AuditCounter
from bench.common import percentile, scale_of
from bench.process import ProcessProbe
from bench.recorder import Key, Recorder
from devcluster.clients import Kube
from devcluster.cluster import Cluster, NodeShape, build_binaries
from devcluster.controller import ControllerProcess
from devcluster.install import ensure_namespace, install_crds, install_policies, install_rbac
from jupyter_nbctl.kube import rest
from jupyter_nbctl.kube.connection import Connection
from jupyter_nbctl.models import GROUP, VERSION

STAGES = (200, 500, 1000, 2000, 5000)
NAMESPACES = 50
BURST, RATE = 200, 20.0
NOISE_PODS, NOISE_REPLICAS = 5000, 5
FANOUT_AT = 2000
# Created at once (as fast as the bench sends) before the last stage grows: how fast a batch becomes
# StatefulSets with 2,000 notebooks already running.
BATCH = 900
TEMPLATE_NAMESPACE, TEMPLATE = "kubeflow", "lab"

BEGAN = time.monotonic()


def say(message: str) -> None:
    elapsed = int(time.monotonic() - BEGAN)
    print(f"[{elapsed // 60:3d}:{elapsed % 60:02d}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------ results


Percentiles = tuple[float, float, float]


def percentiles(values: list[float]) -> Percentiles:
    return percentile(values, 50), percentile(values, 95), percentile(values, 99)


@dataclass
class Calm:
    seconds: float
    ours: int  # writes to the kinds the controller writes (apiserver /metrics)
    controller: int  # the controller's own writes (audit log)
    other: int  # everyone else's: node heartbeats, leases
    top: str

    def per_minute(self, count: int) -> float:
        return count * 60 / self.seconds


@dataclass
class ColdStart:
    started: float  # until the process logged "controller started"
    settled: float  # until every notebook was reconciled and the queue stayed empty
    cpu: float
    peak: float
    rss: float
    writes: Counter[str]  # the controller's, by verb and resource (audit log)
    calm: Calm | None = None


@dataclass
class Stage:
    notebooks: int
    grown: int = 0  # notebooks created in the growth
    grow_seconds: float = 0.0  # first create until all of them Running
    grow_cpu: float = 0.0  # controller CPU from first create until it went quiet
    peak: float = 0.0
    settled: float = 0.0
    to_statefulset: Percentiles = (0.0, 0.0, 0.0)
    to_running: Percentiles = (0.0, 0.0, 0.0)
    burst: int = 0
    apiserver_load: float = 0.0  # cores the API server used during the burst
    calm: Calm | None = None
    cold: ColdStart | None = None


@dataclass
class Noise:
    pods: int
    statefulsets: int
    idle_cpu: float  # controller CPU seconds per minute, before
    create_cpu: float  # ... while the other pods were created
    churn_cpu: float  # ... while they churned
    churn_ops: int
    rss_before: float
    rss_after: float
    controller_writes: int


@dataclass
class Fanout:
    notebooks: int
    seconds: float
    restarted: int
    writes: Counter[str]


@dataclass
class Batch:
    notebooks: int
    already: int  # notebooks running before it
    sent: float  # seconds the bench took to send every create
    seconds: float  # first create sent until the last StatefulSet was seen
    sustained: float  # StatefulSets per second between the 10th and the 90th percentile
    to_statefulset: Percentiles

    @property
    def overall(self) -> float:
        return self.notebooks / self.seconds


@dataclass
class Results:
    scale: float
    namespaces: int = NAMESPACES
    stages: list[Stage] = field(default_factory=list)
    noise: Noise | None = None
    fanout: Fanout | None = None
    batch: Batch | None = None


# ------------------------------------------------------------------- scenario


def _phase_and_update(obj: dict[str, Any]) -> tuple[str, bool]:
    status = obj.get("status") or {}
    update = any(
        c.get("type") == "UpToDate" and c.get("reason") == "UpdateAvailable"
        for c in status.get("conditions") or []
    )
    return status.get("phase", ""), update


def _child(obj: dict[str, Any]) -> Key | None:
    notebook = (obj["metadata"].get("labels") or {}).get(NOTEBOOK_LABEL)
    return (obj["metadata"]["namespace"], notebook) if notebook else None


def _pod_running(obj: dict[str, Any]) -> bool:
    status = obj.get("status") or {}
    conditions = status.get("conditions") or []
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)
    return status.get("phase") == "Running" and ready


def _pod_identity(obj: dict[str, Any]) -> tuple[str, int]:
    statuses = (obj.get("status") or {}).get("containerStatuses") or []
    return obj["metadata"]["uid"], sum(s.get("restartCount", 0) for s in statuses)


class Bench:
    def __init__(self, cluster: Cluster, scale: float) -> None:
        self.cluster = cluster
        self.scale = scale
        self.namespaces = [f"team-{i:02d}" for i in range(max(2, round(NAMESPACES * min(1.0, scale * 2))))]
        self.admin = Kube("admin", cluster.kubeconfig("admin"))
        self.rest = rest.Kube(Connection.from_api_client(self.admin.api))
        self.audit = AuditCounter(cluster.audit_log)
        self.made = 0
        self.sent_wall: dict[Key, float] = {}
        self.controller = ControllerProcess(cluster)
        self.probe: ProcessProbe | None = None
        self.pool = ThreadPoolExecutor(8)

    # -- setup

    def setup(self) -> None:
        for namespace in self.namespaces:
            ensure_namespace(self.cluster, namespace)
        template = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Template",
            "metadata": {"name": TEMPLATE, "namespace": TEMPLATE_NAMESPACE},
            "spec": {
                "template": {"spec": {"containers": [self._container("lab:1")]}},
                "resources": {"cpu": {"default": "100m"}, "memory": {"default": "256Mi"}},
                # The kwok-only cluster has no volume provisioner: scratch notebooks, as before workspaces.
                "workspace": {"enabled": False},
            },
        }
        self.admin.custom.create_namespaced_custom_object(
            GROUP, VERSION, TEMPLATE_NAMESPACE, "templates", template
        )
        self.notebooks = Recorder(
            self.rest, rest.NOTEBOOKS, lambda o: _phase_and_update(o)[0] == "Running", keep=_phase_and_update
        )
        self.statefulsets = Recorder(self.rest, rest.STATEFULSETS, lambda o: True, _child, SELECTOR)
        self.pods = Recorder(self.rest, rest.PODS, _pod_running, _child, SELECTOR, keep=_pod_identity)
        self._start_controller()

    @staticmethod
    def _container(image: str) -> dict[str, Any]:
        return {"name": "main", "image": image, "ports": [{"containerPort": 8888}]}

    def _start_controller(self) -> None:
        self.controller.start(timeout=600)
        assert self.controller.process is not None
        self.probe = ProcessProbe(self.controller.process.pid)

    def key(self, index: int) -> Key:
        return self.namespaces[index % len(self.namespaces)], f"nb-{index:05d}"

    def keys(self, start: int, stop: int) -> set[Key]:
        return {self.key(i) for i in range(start, stop)}

    def create(self, index: int) -> None:
        namespace, name = self.key(index)
        body = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Notebook",
            "metadata": {"name": name},
            "spec": {"templateRef": {"name": TEMPLATE, "namespace": TEMPLATE_NAMESPACE}},
        }
        self.admin.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", body)

    def close(self) -> None:
        self.controller.stop()
        for recorder in (self.notebooks, self.statefulsets, self.pods):
            recorder.stop()
        self.pool.shutdown()

    def timeout(self, count: int) -> float:
        return 300 + count * 0.5

    # -- measurements

    def grow(self, stage: Stage, count: int) -> None:
        assert self.probe is not None
        say(f"{stage.notebooks}: creating {count} notebooks")
        began, cpu = time.monotonic(), self.probe.cpu()
        self.probe.mark()
        keys = self.keys(self.made, self.made + count)
        list(self.pool.map(self.create, range(self.made, self.made + count)))
        self.made += count
        running = self.notebooks.wait(keys, self.timeout(count), "notebooks Running")
        quiet = self.probe.quiet()
        stage.grown, stage.grow_seconds = count, running - began
        stage.grow_cpu = self.probe.cpu() - cpu - (time.monotonic() - quiet) * 0.02
        stage.peak = max(stage.peak, self.probe.peak())
        say(f"{stage.notebooks}: all Running after {stage.grow_seconds:.1f}s, CPU {stage.grow_cpu:.1f}s")

    def batch(self, count: int) -> Batch:
        """Create `count` notebooks as fast as the bench can send them; when does each get its StatefulSet?"""
        self.cluster_quiet()
        already = self.made
        say(f"batch: creating {count} notebooks at once beside {already}")
        sent: dict[Key, float] = {}
        indexes = range(self.made, self.made + count)

        def create(index: int) -> None:
            sent[self.key(index)] = time.monotonic()
            self.create(index)

        began = time.monotonic()
        with ThreadPoolExecutor(32) as pool:
            list(pool.map(create, indexes))
        sending = time.monotonic() - began
        self.made += count
        self.statefulsets.wait(set(sent), self.timeout(count), "batch StatefulSets")
        made = sorted(self.statefulsets.first[k] for k in sent)
        low, high = made[len(made) // 10], made[(len(made) * 9) // 10]
        batch = Batch(
            notebooks=count,
            already=already,
            sent=sending,
            seconds=made[-1] - began,
            sustained=(len(made) * 0.8) / max(high - low, 1e-3),
            to_statefulset=percentiles([self.statefulsets.first[k] - t for k, t in sent.items()]),
        )
        self.notebooks.wait(set(sent), self.timeout(count), "batch notebooks Running")
        say(
            f"batch: every StatefulSet {batch.seconds:.1f}s after the first create ({batch.overall:.1f}/s, "
            f"{batch.sustained:.1f}/s sustained); sent in {sending:.1f}s"
        )
        return batch

    def writes_over(self, seconds: float) -> Counter[tuple[str, str]]:
        """The API server's write requests during the next `seconds`, by resource."""
        before = write_counts(self.cluster.metrics())
        time.sleep(seconds)
        delta = write_counts(self.cluster.metrics())
        delta.subtract(before)
        return delta

    def cluster_quiet(self, window: float = 5.0, writes_per_second: float = 2.0) -> float:
        """Wait until the whole cluster is done with the last growth (the garbage collector, the
        StatefulSet controller, kwok), not only the controller: returns the seconds waited."""
        began = time.monotonic()
        while time.monotonic() - began < 600:
            if sum(self.writes_over(window).values()) <= writes_per_second * window:
                break
        return time.monotonic() - began

    def burst(self, stage: Stage, count: int) -> None:
        assert self.probe is not None
        waited = self.cluster_quiet()
        say(f"{stage.notebooks}: burst of {count} creates at {RATE:.0f}/s (quiet after {waited:.0f}s)")
        sent: dict[Key, float] = {}
        apiserver = ProcessProbe(self.cluster.pid("kube-apiserver"))
        apiserver_cpu = apiserver.cpu()
        began = time.monotonic()
        futures = []
        for offset, index in enumerate(range(self.made, self.made + count)):
            delay = began + offset / RATE - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            sent[self.key(index)] = time.monotonic()
            self.sent_wall[self.key(index)] = time.time()
            futures.append(self.pool.submit(self.create, index))
        for future in futures:
            future.result()
        self.made += count
        self.pods.wait(set(sent), self.timeout(count), "burst pods Running")
        self.notebooks.wait(set(sent), self.timeout(count), "burst notebooks Running")
        stage.apiserver_load = (apiserver.cpu() - apiserver_cpu) / (time.monotonic() - began)
        apiserver.stop()
        stage.burst = count
        stage.to_statefulset = percentiles([self.statefulsets.first[k] - t for k, t in sent.items()])
        stage.to_running = percentiles([self.pods.first[k] - t for k, t in sent.items()])
        self.probe.quiet()
        stage.peak = max(stage.peak, self.probe.peak())
        say(
            f"{stage.notebooks}: create→StatefulSet p99 {stage.to_statefulset[2]:.2f}s, "
            f"create→pod Running p99 {stage.to_running[2]:.2f}s, API server {stage.apiserver_load:.2f} cores"
        )

    def calm(self, seconds: float) -> Calm:
        audit = self.audit.total()
        ours, other, top = split(self.writes_over(seconds))
        calm = Calm(seconds, ours, self.audit.total() - audit, other, top)
        say(f"calm {seconds:.0f}s: {ours} writes to our kinds, {calm.controller} by the controller")
        return calm

    def cold_start(self, stage: Stage) -> ColdStart:
        assert self.probe is not None
        say(f"{stage.notebooks}: restarting the controller")
        self.controller.stop()
        self.probe.stop()
        audit = self.audit.counts()
        began = time.monotonic()
        self._start_controller()
        assert self.probe is not None
        started = time.monotonic() - began
        self.controller.settled(at_least=stage.notebooks, timeout=self.timeout(stage.notebooks))
        settled = time.monotonic() - began
        self.probe.quiet()
        writes = self.audit.counts()
        writes.subtract(audit)
        cold = ColdStart(
            started=started,
            settled=settled,
            cpu=self.probe.cpu(),
            peak=self.probe.peak(),
            rss=self.probe.rss(),
            writes=+writes,
        )
        say(f"{stage.notebooks}: settled {settled:.1f}s after the restart; writes {dict(cold.writes) or 0}")
        return cold

    def noise(self, pods: int, seconds: float) -> Noise:
        """StatefulSets and pods that are not ours, made and churned in namespaces of their own."""
        assert self.probe is not None
        sets = max(1, pods // NOISE_REPLICAS)
        spaces = [f"other-{i}" for i in range(10)]
        for namespace in spaces:
            ensure_namespace(self.cluster, namespace)
        audit = self.audit.total()
        idle = self._cpu_per_minute(seconds)
        rss_before = self.probe.rss()
        others = Recorder(self.rest, rest.PODS, _pod_running, selector="app=other")
        say(f"noise: {sets} StatefulSets with {sets * NOISE_REPLICAS} pods, not ours")
        began, cpu = time.monotonic(), self.probe.cpu()

        def make(index: int) -> None:
            name = f"other-{index:04d}"
            labels = {"app": "other", "instance": name}
            body = {
                "metadata": {"name": name, "labels": labels},
                "spec": {
                    "replicas": NOISE_REPLICAS,
                    "serviceName": name,
                    "podManagementPolicy": "Parallel",
                    "selector": {"matchLabels": labels},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {"containers": [{"name": "main", "image": "other:1"}]},
                    },
                },
            }
            self.admin.apps.create_namespaced_stateful_set(spaces[index % len(spaces)], body)

        list(self.pool.map(make, range(sets)))
        deadline = time.monotonic() + self.timeout(pods)
        while others.count() < sets * NOISE_REPLICAS:
            if time.monotonic() > deadline:
                raise TimeoutError(f"noise: only {others.count()} pods Running")
            time.sleep(1)
        create_cpu = (self.probe.cpu() - cpu) * 60 / (time.monotonic() - began)
        say(f"noise: {others.count()} other pods Running after {time.monotonic() - began:.0f}s; churning")

        rng = random.Random(7)  # noqa: S311 - picks which pods churn, no secret
        ops, cpu, began = 0, self.probe.cpu(), time.monotonic()
        replicas = dict.fromkeys(range(sets), NOISE_REPLICAS)
        while time.monotonic() - began < seconds:
            index = rng.randrange(sets)
            namespace, name = spaces[index % len(spaces)], f"other-{index:04d}"
            replicas[index] = NOISE_REPLICAS - 1 if replicas[index] == NOISE_REPLICAS else NOISE_REPLICAS
            self.admin.apps.patch_namespaced_stateful_set_scale(
                name, namespace, {"spec": {"replicas": replicas[index]}}
            )
            owner = rng.randrange(sets)
            self.admin.core.patch_namespaced_pod(
                f"other-{owner:04d}-0",
                spaces[owner % len(spaces)],
                {"metadata": {"annotations": {"bench/touched": str(ops)}}},
            )
            ops += 2
            time.sleep(max(0.0, began + ops / 20 - time.monotonic()))
        churn_cpu = (self.probe.cpu() - cpu) * 60 / (time.monotonic() - began)
        others.stop()
        self.probe.quiet()
        result = Noise(
            pods=sets * NOISE_REPLICAS,
            statefulsets=sets,
            idle_cpu=idle,
            create_cpu=create_cpu,
            churn_cpu=churn_cpu,
            churn_ops=ops,
            rss_before=rss_before,
            rss_after=self.probe.rss(),
            controller_writes=self.audit.total() - audit,
        )
        say(f"noise: CPU s/min idle {idle:.2f}, creating {create_cpu:.2f}, churning {churn_cpu:.2f}")
        return result

    def _cpu_per_minute(self, seconds: float) -> float:
        assert self.probe is not None
        cpu, began = self.probe.cpu(), time.monotonic()
        time.sleep(seconds)
        return (self.probe.cpu() - cpu) * 60 / (time.monotonic() - began)

    def fanout(self, count: int) -> Fanout:
        """Edit the Template every notebook uses; time until each says an update is available."""
        assert self.probe is not None
        keys = self.keys(0, self.made)
        before = {k: self.pods.kept[k] for k in keys}
        audit = self.audit.counts()
        say(f"fan-out: editing the Template of {len(keys)} notebooks")
        began = time.monotonic()
        patch = {"spec": {"template": {"spec": {"containers": [self._container("lab:2")]}}}}
        self.admin.custom.patch_namespaced_custom_object(
            GROUP, VERSION, TEMPLATE_NAMESPACE, "templates", TEMPLATE, patch
        )
        deadline = began + self.timeout(count)
        while True:
            told = sum(1 for k in keys if (self.notebooks.kept.get(k) or ("", False))[1])
            if told == len(keys):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"fan-out: {told} of {len(keys)} notebooks were told")
            time.sleep(0.1)
        seconds = time.monotonic() - began
        self.probe.quiet()
        restarted = sum(1 for k in keys if self.pods.kept.get(k) != before[k])
        writes = self.audit.counts()
        writes.subtract(audit)
        say(f"fan-out: every status told in {seconds:.1f}s; {restarted} pods restarted")
        return Fanout(len(keys), seconds, restarted, +writes)


def run(scale: float) -> Results:
    stages = [max(20, round(n * scale)) for n in STAGES]
    burst = max(20, round(BURST * scale))
    calm_seconds = 60.0 if scale >= 1 else 20.0
    fanout_at = max(20, round(FANOUT_AT * scale))
    noise_pods = max(50, round(NOISE_PODS * scale))
    batch = max(20, round(BATCH * scale))
    # Room for every notebook's pod, the other pods, and the bench's slack.
    pods_per_node = math.ceil((stages[-1] + noise_pods) * 1.2 / 4)
    shape = NodeShape(count=4, cpu="100000", memory="256Ti", pods=str(pods_per_node))
    results = Results(scale)
    with Cluster(bin_dir=build_binaries(), nodes=shape) as cluster:
        install_crds(cluster)
        install_rbac(cluster)
        install_policies(cluster)
        bench = Bench(cluster, scale)
        results.namespaces = len(bench.namespaces)
        bench.setup()
        try:
            for size in stages:
                stage = Stage(size)
                if size == stages[-1] and size - bench.made - burst > batch:
                    results.batch = bench.batch(batch)
                if size - bench.made - burst > 0:
                    bench.grow(stage, size - bench.made - burst)
                bench.burst(stage, burst)
                stage.calm = bench.calm(calm_seconds)
                assert bench.probe is not None
                stage.settled = bench.probe.rss()
                stage.cold = bench.cold_start(stage)
                stage.cold.calm = bench.calm(calm_seconds)
                results.stages.append(stage)
                if size == stages[0]:
                    results.noise = bench.noise(noise_pods, calm_seconds)
                if size == fanout_at:
                    results.fanout = bench.fanout(size)
        finally:
            bench.close()
    return results


def main(argv: list[str] | None = None) -> int:
    results = run(scale_of(__doc__, argv))
    print(report.write(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
