"""What culling's probes cost the controller: 2,000 running notebooks probed every minute.

One local control plane with kwok nodes; 2,000 notebooks (times BENCH_SCALE)
of one Template, all Running. Their pods' addresses are kwok's, on this
machine's loopback (127.64.0.0/16), so the bench answers every probe itself:
one small server bound to each pod's own address, port 4180, that answers
Jupyter's `api/status`, `api/kernels` and `api/terminals` as an idle Jupyter
would, and only to a request with a bearer token. The controller runs as in
production (`--probe-interval=60`, `--probe-concurrency=10`), first with the
Template culling nothing, then with `culling: {idleAfter: 24h}`, so that every
notebook is probed each minute and none is ever warned. Measured: the
controller's CPU per minute and resident memory in each phase (from /proc),
the probes answered and their latency (the controller's own /metrics and the
bench's server), and the API writes once probing is steady (the API server's
/metrics). Not measured: the kubelet's `/metrics/resource` scrape (one request
per node per round, run with `--no-kubelet-cpu`: kwok nodes serve no kubelet
port) and a real guard in front of each Jupyter (tests/guard measures that).

    python -m bench.probing [--scale 0.1]

Writes "Culling's probes" in docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import math
import re
import resource
import sys
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from nbctl_controller.names import SELECTOR
from nbctl_guard.tickets import GUARD_PORT

from bench.apiwrites import split, write_counts
from bench.common import percentile, scale_of, write_section
from bench.process import ProcessProbe
from bench.recorder import Recorder
from devcluster.clients import Kube
from devcluster.cluster import Cluster, NodeShape, build_binaries
from devcluster.controller import ControllerProcess
from devcluster.install import ensure_namespace, install_crds, install_policies, install_rbac
from jupyter_nbctl.kube import rest
from jupyter_nbctl.kube.connection import Connection
from jupyter_nbctl.models import GROUP, VERSION

NOTEBOOKS = 2000
NAMESPACES = 20
INTERVAL = 60.0
ROUNDS = 3  # measured minutes of probing, after the first round (which writes each Culling=Active)
TEMPLATE_NAMESPACE, TEMPLATE = "kubeflow", "lab"
BEGAN = time.monotonic()


def say(message: str) -> None:
    elapsed = int(time.monotonic() - BEGAN)
    print(f"[{elapsed // 60:3d}:{elapsed % 60:02d}] {message}", file=sys.stderr, flush=True)


@dataclass
class Phase:
    name: str
    cpu_per_minute: float = 0.0  # CPU seconds of the controller per minute
    rss: float = 0.0  # MiB, at the end
    peak: float = 0.0  # MiB
    probes: int = 0  # answered by the bench's server
    writes: int = 0  # to the controller's kinds
    controller_writes: str = ""


@dataclass
class Results:
    notebooks: int
    phases: list[Phase] = field(default_factory=list)
    latency: tuple[float, float, float] = (0.0, 0.0, 0.0)  # seconds: p50, p95, p99 of answers served
    mean_probe: float = 0.0  # seconds: the controller's nbctl_probe_duration_seconds, mean
    errors: int = 0
    setup_seconds: float = 0.0


class Responder:
    """An idle Jupyter at each pod's address, on GUARD_PORT, in a thread of its own."""

    _PATH = re.compile(r"^/notebook/[^/]+/[^/]+/api/(status|kernels|terminals)$")

    def __init__(self) -> None:
        self.served = 0
        # Jupyter started now and used once, at its start: idle from then on (a 24 h idle time)
        self.started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self.refused = 0
        self.seconds: list[float] = []
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, name="responder", daemon=True)
        self._thread.start()

    async def _handle(self, request: web.Request) -> web.Response:
        began = time.perf_counter()
        match = self._PATH.match(request.path)
        if not match or not request.headers.get("Authorization", "").startswith("Bearer "):
            self.refused += 1
            return web.Response(status=401)
        self.served += 1
        what = match[1]
        body: Any = (
            {"started": self.started, "last_activity": self.started, "kernels": 0} if what == "status" else []
        )
        response = web.json_response(body)
        self.seconds.append(time.perf_counter() - began)
        return response

    def start(self, addresses: list[str]) -> None:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, len(addresses) * 2 + 1024)), hard))

        async def serve() -> None:
            app = web.Application()
            app.router.add_get("/{tail:.*}", self._handle)
            self._runner = web.AppRunner(app, access_log=None)
            await self._runner.setup()
            for address in addresses:  # each pod's own address: nothing listens beyond loopback
                await web.TCPSite(self._runner, address, GUARD_PORT, backlog=16).start()

        asyncio.run_coroutine_threadsafe(serve(), self._loop).result(timeout=300)

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=60)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)


def _metric(text: str, name: str, labels: str = "") -> float:
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and labels in line and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _interval(scale: float) -> float:
    """A minute at full scale; shorter for a quick run, so that it still sees a few rounds."""
    return INTERVAL if scale >= 1 else max(10.0, INTERVAL * scale * 2)


def _running(obj: dict[str, Any]) -> bool:
    return ((obj.get("status") or {}).get("phase")) == "Running"


def run(scale: float) -> Results:
    count = max(20, round(NOTEBOOKS * scale))
    interval = _interval(scale)
    shape = NodeShape(count=4, cpu="100000", memory="256Ti", pods=str(math.ceil(count * 1.2 / 4)))
    results = Results(count)
    namespaces = [f"team-{i:02d}" for i in range(max(2, round(NAMESPACES * min(1.0, scale * 2))))]
    began = time.monotonic()
    with Cluster(bin_dir=build_binaries(), nodes=shape) as cluster:
        install_crds(cluster)
        install_rbac(cluster)
        install_policies(cluster)
        admin = Kube("admin", cluster.kubeconfig("admin"))
        kube = rest.Kube(Connection.from_api_client(admin.api))
        for namespace in namespaces:
            ensure_namespace(cluster, namespace)
        template = {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "Template",
            "metadata": {"name": TEMPLATE, "namespace": TEMPLATE_NAMESPACE},
            "spec": {
                "template": {"spec": {"containers": [{"name": "main", "image": "lab:1"}]}},
                "resources": {"cpu": {"default": "100m"}, "memory": {"default": "256Mi"}},
                "workspace": {"enabled": False},
            },
        }
        admin.custom.create_namespaced_custom_object(
            GROUP, VERSION, TEMPLATE_NAMESPACE, "templates", template
        )
        controller = ControllerProcess(cluster)
        controller.args = [f"--probe-interval={interval:g}", "--probe-concurrency=10", "--no-kubelet-cpu"]
        controller.start(timeout=600)
        assert controller.process is not None
        probe = ProcessProbe(controller.process.pid)
        notebooks = Recorder(kube, rest.NOTEBOOKS, _running)
        responder = Responder()
        try:
            keys = {(namespaces[i % len(namespaces)], f"nb-{i:05d}") for i in range(count)}
            say(f"creating {count} notebooks")

            def create(key: tuple[str, str]) -> None:
                body = {
                    "apiVersion": f"{GROUP}/{VERSION}",
                    "kind": "Notebook",
                    "metadata": {"name": key[1]},
                    "spec": {"templateRef": {"name": TEMPLATE, "namespace": TEMPLATE_NAMESPACE}},
                }
                admin.custom.create_namespaced_custom_object(GROUP, VERSION, key[0], "notebooks", body)

            with ThreadPoolExecutor(8) as pool:
                list(pool.map(create, sorted(keys)))
            notebooks.wait(keys, 300 + count * 0.5, "notebooks Running")
            pods = admin.core.list_pod_for_all_namespaces(label_selector=SELECTOR)
            addresses = sorted({p.status.pod_ip for p in pods.items if p.status.pod_ip})
            say(f"{len(addresses)} pod addresses; answering on each, port {GUARD_PORT}")
            responder.start(addresses)
            probe.quiet()
            results.setup_seconds = time.monotonic() - began

            def measure(name: str, minutes: int) -> Phase:
                phase = Phase(name)
                probe.mark()
                served, cpu, at = responder.served, probe.cpu(), time.monotonic()
                before = write_counts(cluster.metrics())
                time.sleep(minutes * interval)
                delta = write_counts(cluster.metrics())
                delta.subtract(before)
                phase.writes, _, _ = split(delta)
                phase.cpu_per_minute = (probe.cpu() - cpu) * 60 / (time.monotonic() - at)
                phase.rss, phase.peak = probe.rss(), probe.peak()
                phase.probes = (responder.served - served) // 3
                say(
                    f"{name}: {phase.cpu_per_minute:.2f} CPU s/min, {phase.rss:.0f} MiB "
                    f"(peak {phase.peak:.0f}), {phase.probes} probes, {phase.writes} writes"
                )
                return phase

            results.phases.append(measure("not culling (no probes)", 2))
            say("turning culling on: idleAfter 24h, so that every notebook is probed and none is warned")
            admin.custom.patch_namespaced_custom_object(
                GROUP,
                VERSION,
                TEMPLATE_NAMESPACE,
                "templates",
                TEMPLATE,
                {"spec": {"culling": {"idleAfter": "24h"}}},
            )
            time.sleep(interval * 1.5)  # the first round: each notebook's Culling=Active is written once
            responder.seconds.clear()
            metrics = controller_metrics(controller)
            sum0 = _metric(metrics, "nbctl_probe_duration_seconds_sum")
            count0 = _metric(metrics, "nbctl_probe_duration_seconds_count")
            results.phases.append(measure(f"probing every {interval:g}s", ROUNDS))
            metrics = controller_metrics(controller)
            probes = _metric(metrics, "nbctl_probe_duration_seconds_count") - count0
            results.mean_probe = (_metric(metrics, "nbctl_probe_duration_seconds_sum") - sum0) / max(
                probes, 1
            )
            results.errors = int(_metric(metrics, "nbctl_probes_total", 'result="error"'))
            if results.phases[-1].probes == 0:  # a bench that measured nothing must not report
                tail = "\n".join(controller.logs().splitlines()[-40:])
                raise RuntimeError(f"no notebook was probed; the controller's log ends:\n{tail}")
            served = responder.seconds or [0.0]
            results.latency = (percentile(served, 50), percentile(served, 95), percentile(served, 99))
        finally:
            responder.stop()
            probe.stop()
            controller.stop()
            notebooks.stop()
    return results


def controller_metrics(controller: ControllerProcess) -> str:
    with urllib.request.urlopen(f"{controller.metrics_url}/metrics", timeout=10) as answer:  # noqa: S310 (http, ours)
        return answer.read().decode()


def report(results: Results, interval: float) -> str:
    idle, probing = results.phases
    extra = (probing.cpu_per_minute - idle.cpu_per_minute) / 60
    per_probe = (probing.cpu_per_minute - idle.cpu_per_minute) * ROUNDS / max(probing.probes, 1)
    calm = probing.writes == 0 and results.errors == 0
    rows = [
        "| phase | controller CPU s/min | resident MiB (peak) | probes answered | writes to our kinds |",
        "|---|---|---|---|---|",
    ]
    for phase in results.phases:
        rows.append(
            f"| {phase.name} | {phase.cpu_per_minute:.2f} | {phase.rss:.0f} ({phase.peak:.0f}) "
            f"| {phase.probes} | {phase.writes} |"
        )
    p50, p95, p99 = results.latency
    return "\n".join(
        [
            f"{results.notebooks} running notebooks on kwok nodes, each probed every {interval:g} s "
            "(`python -m bench.probing`; `BENCH_SCALE` scales the count and the interval): three GETs of "
            "Jupyter's API per probe, answered by the bench at each pod's own loopback address. The first "
            "round, which writes each notebook's `Culling=Active` condition once, is left out.",
            "",
            *rows,
            "",
            f"- Goal, probing keeps calm (no API write while nothing changes, no probe error): "
            f"**{'met' if calm else 'missed'}** ({probing.writes} writes, {results.errors} errors).",
            f"- Probing costs {extra:.3f} of a core beyond the controller's idle use, "
            f"{per_probe * 1000:.1f} ms of CPU per probe (three requests and a token).",
            f"- A probe takes {results.mean_probe * 1000:.1f} ms on average, as the controller measures it "
            "(`nbctl_probe_duration_seconds`); the bench's server answers in "
            f"p50 {p50 * 1000:.2f} / p95 {p95 * 1000:.2f} / p99 {p99 * 1000:.2f} ms.",
            f"- Resident memory grows by {probing.rss - idle.rss:.0f} MiB once culling is on (each "
            "notebook's Culling condition in the cache, the probes' state); the probes keep no connection "
            "between rounds.",
            "- Not measured here: the kubelet scrape for CPU (one `/metrics/resource` per node per "
            "round; kwok nodes serve none) and a real guard in front of each Jupyter.",
            f"- Setup (control plane, {results.notebooks} notebooks Running): {results.setup_seconds:.0f} s.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    scale = scale_of(__doc__, argv)
    results = run(scale)
    body = report(results, _interval(scale))
    write_section("Culling's probes", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
