"""Prometheus metrics and the readiness endpoint, on one small HTTP server.

    nbctl_notebooks{namespace, phase}          notebooks by phase (as last written)
    nbctl_reconciles_total{result}             reconciles: ok, problem, error
    nbctl_reconcile_duration_seconds           time per reconcile
    nbctl_api_requests_total{verb, resource, code}  requests the controller made
    nbctl_queue_depth                          notebooks waiting for a reconcile
    nbctl_culled_total{reason}                 notebooks stopped by culling: Idle, MaxRunning
    nbctl_culling_warnings_total{reason}       owners warned of a coming stop
    nbctl_keep_alives_total{result}            Keep running requests: honoured, refused
    nbctl_probes_total{result}                 activity probes: ok, error, kubelet_error
    nbctl_probe_duration_seconds               time per probe of a notebook's Jupyter

`/readyz` answers 200 once the caches are filled and the workers run;
kopf's own liveness endpoint (`--health-port`) answers `/healthz`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry()
RECONCILES = Counter("nbctl_reconciles", "Reconciles of notebooks, by result.", ["result"], registry=REGISTRY)
RECONCILE_SECONDS = Histogram(
    "nbctl_reconcile_duration_seconds",
    "Time per reconcile.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
API_REQUESTS = Counter(
    "nbctl_api_requests",
    "Requests the controller made to the API server.",
    ["verb", "resource", "code"],
    registry=REGISTRY,
)
QUEUE_DEPTH = Gauge("nbctl_queue_depth", "Notebooks waiting for a reconcile.", registry=REGISTRY)
CULLED = Counter("nbctl_culled", "Notebooks stopped by culling, by reason.", ["reason"], registry=REGISTRY)
WARNINGS = Counter(
    "nbctl_culling_warnings", "Owners warned of a coming stop, by reason.", ["reason"], registry=REGISTRY
)
KEEP_ALIVES = Counter(
    "nbctl_keep_alives", "Keep running requests of owners, by result.", ["result"], registry=REGISTRY
)
PROBES = Counter("nbctl_probes", "Activity probes, by result.", ["result"], registry=REGISTRY)
PROBE_SECONDS = Histogram(
    "nbctl_probe_duration_seconds",
    "Time per activity probe of a notebook's Jupyter.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
    registry=REGISTRY,
)


class PhaseCollector:
    """Counts notebooks by namespace and phase from the reconciler's record, at scrape time."""

    def __init__(self, phases: Callable[[], dict[tuple[str, str], str]]) -> None:
        self.phases = phases

    def collect(self):  # type: ignore[no-untyped-def]
        family = GaugeMetricFamily(
            "nbctl_notebooks", "Notebooks by namespace and phase.", labels=["namespace", "phase"]
        )
        counts: dict[tuple[str, str], int] = {}
        for (namespace, _), phase in self.phases().items():
            counts[(namespace, phase)] = counts.get((namespace, phase), 0) + 1
        for (namespace, phase), count in sorted(counts.items()):
            family.add_metric([namespace, phase], count)
        yield family


def serve(port: int, ready: threading.Event) -> ThreadingHTTPServer:
    """Serve /metrics and /readyz on 0.0.0.0:port in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                body, status, kind = generate_latest(REGISTRY), 200, "text/plain; version=0.0.4"
            elif self.path == "/readyz":
                ok = ready.is_set()
                body, status, kind = (b"ok" if ok else b"starting"), (200 if ok else 503), "text/plain"
            else:
                body, status, kind = b"not found", 404, "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:  # scrapes are not news
            pass

    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)  # noqa: S104 - a pod's metrics port
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
