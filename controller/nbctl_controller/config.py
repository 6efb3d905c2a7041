"""The controller's settings: flags, each with an environment variable of the same meaning."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, field

from jupyter_nbctl import __version__
from jupyter_nbctl.models.culling import CullingPolicy
from nbctl_controller.guard import GuardSettings
from nbctl_controller.render import Routing


@dataclass(frozen=True)
class Settings:
    namespaces: tuple[str, ...] = ()
    """Namespaces to watch; empty means all (cluster-wide)."""
    routing: Routing = field(default_factory=Routing)
    catalog_namespaces: tuple[str, ...] = ("kubeflow",)
    """Namespaces whose Templates serve other namespaces (as their namespaceSelector says)."""
    guard: GuardSettings = field(default_factory=GuardSettings)
    log_level: str = "INFO"
    log_format: str = "text"
    kubeconfig: str | None = None
    workers: int = 8
    health_port: int = 8080
    metrics_port: int = 9090
    leader_elect: bool = False
    lease_namespace: str = "nbctl-system"
    lease_seconds: int = 15
    standalone: bool = True
    culling: CullingPolicy | None = None
    """The policy of Templates that say none; None: no culling unless a Template asks for it."""
    probe_interval: float = 60.0
    probe_concurrency: int = 10
    kubelet_cpu: bool = True


def _env(name: str, default: str) -> str:
    return os.environ.get(f"NBCTL_{name}", default)


def parse(argv: list[str] | None = None) -> Settings:
    """Settings from the command line, falling back to NBCTL_* variables."""
    p = argparse.ArgumentParser(prog="nbctl-controller", description="The jupyter-nbctl controller.")
    p.add_argument(
        "--namespace",
        action="append",
        default=None,
        help="watch this namespace (repeatable; default: all). Env NBCTL_NAMESPACES, comma-separated",
    )
    p.add_argument(
        "--catalog-namespace",
        action="append",
        default=None,
        help=(
            "a namespace whose Templates may serve other namespaces (repeatable; default: kubeflow); a "
            "Template elsewhere serves only its own namespace unless its namespaceSelector names others. "
            "Env NBCTL_CATALOG_NAMESPACES, comma-separated"
        ),
    )
    p.add_argument(
        "--routing",
        choices=["none", "istio", "gateway"],
        default=_env("ROUTING", "none"),
        help="how notebooks are reached: no route, an Istio VirtualService or a Gateway API HTTPRoute",
    )
    p.add_argument("--istio-gateway", default=_env("ISTIO_GATEWAY", "kubeflow/kubeflow-gateway"))
    p.add_argument(
        "--gateway",
        default=_env("GATEWAY", "kubeflow/kubeflow-gateway"),
        help="the Gateway API parent, as namespace/name",
    )
    p.add_argument("--host", default=_env("HOST", "*"), help="the route's host")
    p.add_argument(
        "--guard-image",
        default=_env("GUARD_IMAGE", f"jupyter-nbctl-controller:{__version__}"),
        help="the image of each notebook's guard and port lock: the controller's own (docs/ownership.md)",
    )
    p.add_argument(
        "--lock-port",
        action=argparse.BooleanOptionalAction,
        default=_env("LOCK_PORT", "true") == "true",
        help=(
            "close Jupyter's port to all but the pod's loopback, by an init container with NET_ADMIN "
            "(default); --no-lock-port where Pod Security forbids it, and rely on a NetworkPolicy"
        ),
    )
    p.add_argument("--cluster-domain", default=_env("CLUSTER_DOMAIN", "cluster.local"))
    p.add_argument("--log-level", default=_env("LOG_LEVEL", "INFO"))
    p.add_argument("--log-format", choices=["text", "json"], default=_env("LOG_FORMAT", "text"))
    p.add_argument("--kubeconfig", default=os.environ.get("KUBECONFIG"))
    p.add_argument("--workers", type=int, default=int(_env("WORKERS", "8")))
    p.add_argument(
        "--health-port",
        type=int,
        default=int(_env("HEALTH_PORT", "8080")),
        help="kopf's liveness endpoint, /healthz; 0 turns it off",
    )
    p.add_argument(
        "--metrics-port",
        type=int,
        default=int(_env("METRICS_PORT", "9090")),
        help="Prometheus /metrics and /readyz; 0 turns them off",
    )
    p.add_argument(
        "--leader-elect",
        action="store_true",
        default=_env("LEADER_ELECT", "") == "true",
        help="run as one of several replicas; only the holder of a Lease reconciles",
    )
    p.add_argument(
        "--lease-namespace", default=_env("LEASE_NAMESPACE", os.environ.get("POD_NAMESPACE", "nbctl-system"))
    )
    p.add_argument(
        "--lease-duration",
        type=int,
        default=int(_env("LEASE_DURATION", "15")),
        help="seconds a leader's lease lasts without renewal",
    )
    for flag, env, what in (
        ("--cull-idle-after", "CULL_IDLE_AFTER", "stop notebooks idle this long (90s, 45m, 1h30m)"),
        ("--cull-warn-before", "CULL_WARN_BEFORE", "warn owners this long before a stop"),
        ("--cull-max-running", "CULL_MAX_RUNNING", "stop notebooks running this long, busy or not"),
        ("--cull-keep-alive", "CULL_KEEP_ALIVE", "how far one Keep running may postpone an idle stop"),
    ):
        p.add_argument(
            flag,
            default=_env(env, "") or None,
            help=f"{what}, for Templates whose spec says no culling (default: off). Env NBCTL_{env}",
        )
    p.add_argument(
        "--probe-interval",
        type=float,
        default=float(_env("PROBE_INTERVAL", "60")),
        help="seconds between two looks at a running notebook's activity (docs/culling.md)",
    )
    p.add_argument(
        "--probe-concurrency",
        type=int,
        default=int(_env("PROBE_CONCURRENCY", "10")),
        help="notebooks probed at once",
    )
    p.add_argument(
        "--kubelet-cpu",
        action=argparse.BooleanOptionalAction,
        default=_env("KUBELET_CPU", "true") == "true",
        help="read notebooks' CPU use from the kubelets' /metrics/resource (right nodes/metrics)",
    )
    args = p.parse_args(argv)
    culling_fields = {
        "idleAfter": args.cull_idle_after,
        "warnBefore": args.cull_warn_before,
        "maxRunning": args.cull_max_running,
        "keepAlive": args.cull_keep_alive,
    }
    try:
        culling = CullingPolicy.model_validate({k: v for k, v in culling_fields.items() if v})
    except ValueError as err:
        p.error(f"culling: {err}")
    namespaces = args.namespace or [n for n in _env("NAMESPACES", "").split(",") if n]
    catalog = args.catalog_namespace or [n for n in _env("CATALOG_NAMESPACES", "kubeflow").split(",") if n]
    gateway_ns, _, gateway_name = args.gateway.rpartition("/")
    routing = Routing(
        mode=args.routing,
        istio_gateway=args.istio_gateway,
        host=args.host,
        gateway_name=gateway_name,
        gateway_namespace=gateway_ns or "default",
        cluster_domain=args.cluster_domain,
    )
    return Settings(
        namespaces=tuple(namespaces),
        catalog_namespaces=tuple(catalog),
        routing=routing,
        guard=GuardSettings(image=args.guard_image, lock_port=args.lock_port),
        log_level=args.log_level.upper(),
        log_format=args.log_format,
        kubeconfig=args.kubeconfig,
        workers=args.workers,
        health_port=args.health_port,
        metrics_port=args.metrics_port,
        leader_elect=args.leader_elect,
        lease_namespace=args.lease_namespace,
        lease_seconds=args.lease_duration,
        culling=culling if culling.enabled else None,
        probe_interval=args.probe_interval,
        probe_concurrency=args.probe_concurrency,
        kubelet_cpu=args.kubelet_cpu,
    )
