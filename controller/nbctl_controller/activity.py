"""Reading running notebooks' activity: Jupyter's API through each notebook's guard, and CPU from the
kubelets' resource metrics.

Every `interval` the prober looks at each running notebook whose policy culls
for idleness, a few at a time (`concurrency`) and spread over the interval.
Jupyter is asked through the notebook's guard with a probe token made from
the notebook's own key, so the probe passes the same door as its owner and
nobody else gains a way in; `no_track_activity` keeps the probe from counting
as use. CPU comes from each node's kubelet (`/metrics/resource`, the numbers
metrics-server serves, read with the `nodes/metrics` right metrics-server
has, never `nodes/proxy`). Reads only: the prober writes nothing to the API; it
wakes a notebook's reconcile when its verdict would change (culling.py).

Each probe also tells the notebook's guard what culling says of it now (the
Culling condition and status.culling, as last written), so that the
notebook's own JupyterLab can warn its user (jupyter_nbctl.inside).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp
from nbctl_guard.tickets import CULLING_HEADER, SECRET_KEY, Purpose, access_secret_name, mint

from jupyter_nbctl.models.culling import CullingPolicy
from jupyter_nbctl.models.quantity import parse_quantity
from nbctl_controller import metrics
from nbctl_controller.culling import CONDITION, Activity, epoch
from nbctl_controller.guard import GUARD_CONTAINER, GUARD_PORT
from nbctl_controller.names import pod_name, url_prefix

log = logging.getLogger("nbctl_controller.activity")
Key = tuple[str, str]

# container_cpu_usage_seconds_total{container="main",namespace="ns",pod="nb-0"} 12.5 1700000000000
_CPU_LINE = re.compile(r"^container_cpu_usage_seconds_total\{([^}]*)\} ([0-9.eE+-]+)", re.MULTILINE)
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def parse_jupyter(
    status: dict[str, Any], kernels: list[dict[str, Any]], terminals: list[dict[str, Any]], now: float
) -> float:
    """The latest sign of use in Jupyter's own answers: now while a kernel is busy."""
    if any(k.get("execution_state") == "busy" for k in kernels):
        return now
    stamps = [status.get("last_activity"), status.get("started")]
    stamps += [k.get("last_activity") for k in kernels] + [t.get("last_activity") for t in terminals]
    return max((epoch(s) for s in stamps if s), default=now)


def told(body: dict[str, Any] | None) -> str:
    """What a probe tells the notebook of its culling: the condition's reason and message, status.culling."""
    status = (body or {}).get("status") or {}
    condition = next((c for c in status.get("conditions") or [] if c.get("type") == CONDITION), None)
    if condition is None:
        return "{}"
    # status.culling's own reason (Idle, MaxRunning) is not the condition's: the condition's is said.
    said = {k: v for k, v in (status.get("culling") or {}).items() if k not in ("answered", "reason")}
    said.update(reason=condition.get("reason", ""), message=condition.get("message", ""))
    return json.dumps(said, separators=(",", ":"))


def parse_cpu(text: str) -> dict[Key, float]:
    """CPU seconds used so far per pod, its guard left out, from a kubelet's /metrics/resource."""
    used: dict[Key, float] = {}
    for labels, value in _CPU_LINE.findall(text):
        tags = dict(_LABEL.findall(labels))
        if tags.get("container") in (None, GUARD_CONTAINER):
            continue
        key = (tags.get("namespace", ""), tags.get("pod", ""))
        used[key] = used.get(key, 0.0) + float(value)
    return used


@dataclass
class Kubelets:
    """Each node's kubelet, reached at its InternalIP with the controller's own credentials."""

    address: Callable[[str], Any]  # node name -> awaitable (host, port) or None
    token: Callable[[], str]
    ssl_context: ssl.SSLContext | bool


class Prober:
    def __init__(
        self,
        caches: Any,
        policy: Callable[[dict[str, Any]], CullingPolicy | None],
        wake: Callable[[Key], None],
        kubelets: Kubelets | None,
        activity: dict[Key, Activity],
        interval: float = 60.0,
        concurrency: int = 10,
        timeout: float = 5.0,
    ) -> None:
        self.caches = caches
        self.policy = policy
        self.wake = wake
        self.kubelets = kubelets
        self.interval = interval
        self.timeout = timeout
        self.activity = activity  # the culler's: what the probes find, the verdicts read
        self._cpu: dict[Key, tuple[float, float]] = {}  # pod -> (monotonic time, CPU seconds)
        self.concurrency = concurrency
        self._limit = asyncio.Semaphore(concurrency)

    def running(self) -> list[tuple[Key, CullingPolicy]]:
        """Running notebooks under a culling policy."""
        found = []
        for body in self.caches.notebooks.items():
            stopped = (body.get("spec") or {}).get("stopped")
            if stopped or (body.get("status") or {}).get("phase") != "Running":
                continue
            policy = self.policy(body)
            if policy is not None:
                found.append(((body["metadata"]["namespace"], body["metadata"]["name"]), policy))
        return found

    async def run(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout, connect=min(2.0, self.timeout))
        # Each pod is asked again only a round later: no connection is kept for it meanwhile, and the
        # open ones are bounded by the probes at once (three requests each) plus the kubelets.
        connector = aiohttp.TCPConnector(force_close=True, limit=self.concurrency * 3 + 4)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
            while True:
                began = time.monotonic()
                try:
                    await self.round(session)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("a round of probes failed")
                await asyncio.sleep(max(0.0, self.interval - (time.monotonic() - began)))

    async def round(self, session: aiohttp.ClientSession) -> None:
        running = self.running()
        live = {key for key, _ in running}
        for gone in [k for k in self.activity if k not in live]:
            del self.activity[gone]
        for key, policy in running:
            if not policy.idle_after:
                self.wake(key)  # a maximum running time needs the clock, not a probe
        notebooks = [(key, policy) for key, policy in running if policy.idle_after]
        cpu = await self.cpu(session, [key for key, _ in notebooks])
        # Spread over half the interval, so a round ends well before the next begins.
        gap = self.interval / 2 / max(len(notebooks), 1)
        tasks = []
        for key, policy in notebooks:
            tasks.append(asyncio.create_task(self.probe(session, key, policy, cpu.get(key))))
            await asyncio.sleep(gap)
        if tasks:
            await asyncio.gather(*tasks)

    async def probe(
        self, session: aiohttp.ClientSession, key: Key, policy: CullingPolicy, cores: float | None
    ) -> None:
        ns, name = key
        pod = self.caches.pods.get(ns, pod_name(name))
        if pod is None:
            return
        uid = pod["metadata"].get("uid", "")
        seen = self.activity.get(key)
        if seen is None or seen.pod_uid != uid:
            seen = self.activity[key] = Activity(uid)
        now = time.time()
        busy_cpu = cores is not None and cores >= float(parse_quantity(policy.cpu_threshold))
        async with self._limit:
            began = time.monotonic()
            try:
                if policy.activity == "Jupyter":
                    last = await self.ask_jupyter(session, key, pod)
                else:
                    if cores is None:
                        raise ProbeError("the kubelet gave no CPU figure for the pod")
                    last = seen.last_active or now  # CPU only: quiet from the first look on
                metrics.PROBES.labels("ok").inc()
            except (ProbeError, aiohttp.ClientError, TimeoutError, ValueError) as err:
                metrics.PROBES.labels("error").inc()
                if seen.unknown_since is None:
                    seen.unknown_since, seen.error = now, str(err) or type(err).__name__
                    log.info("activity of notebook %s/%s unknown: %s", ns, name, seen.error)
                self.wake(key)
                return
            finally:
                metrics.PROBE_SECONDS.observe(time.monotonic() - began)
        if busy_cpu:
            last = now
        seen.unknown_since, seen.error = None, ""
        seen.last_active = max(last, seen.last_active or 0.0)
        self.wake(key)  # it reconciles only if the verdict differs from the status

    async def ask_jupyter(self, session: aiohttp.ClientSession, key: Key, pod: dict[str, Any]) -> float:
        ns, name = key
        ip = (pod.get("status") or {}).get("podIP")
        secret = self.caches.secrets.get(ns, access_secret_name(name))
        data = (secret or {}).get("data") or {}
        if not ip:
            raise ProbeError("the pod has no IP yet")
        if SECRET_KEY not in data:
            raise ProbeError(f"the notebook's key (Secret {access_secret_name(name)}) is missing")
        token = mint(base64.b64decode(data[SECRET_KEY]), Purpose.PROBE, f"{ns}/{name}")
        base = f"http://{ip}:{GUARD_PORT}{url_prefix(ns, name)}api/"
        headers = {"Authorization": f"Bearer {token}"}
        now = time.time()
        state = told(self.caches.notebooks.get(ns, name))

        async def get(path: str) -> Any:
            said = {**headers, CULLING_HEADER: state} if path == "status" else headers
            async with session.get(base + path, headers=said, params={"no_track_activity": "1"}) as r:
                if r.status != 200:
                    raise ProbeError(f"{path} answered {r.status}")
                return await r.json(content_type=None)

        status, kernels, terminals = await asyncio.gather(get("status"), get("kernels"), get("terminals"))
        return parse_jupyter(status, kernels, terminals if isinstance(terminals, list) else [], now)

    async def cpu(self, session: aiohttp.ClientSession, notebooks: list[Key]) -> dict[Key, float]:
        """Cores each notebook's pod used since the last round, by its node's kubelet."""
        if self.kubelets is None or not notebooks:
            return {}
        nodes: dict[str, list[Key]] = {}
        for key in notebooks:
            pod = self.caches.pods.get(key[0], pod_name(key[1]))
            node = ((pod or {}).get("spec") or {}).get("nodeName")
            if node:
                nodes.setdefault(node, []).append(key)
        cores: dict[Key, float] = {}
        for node, keys in nodes.items():
            try:
                used = await self.scrape(session, node)
            except (ProbeError, aiohttp.ClientError, TimeoutError, OSError) as err:
                metrics.PROBES.labels("kubelet_error").inc()
                log.info("no CPU figures from node %s: %s", node, err)
                continue
            at = time.monotonic()
            for key in keys:
                total = used.get((key[0], pod_name(key[1])))
                if total is None:
                    continue
                last = self._cpu.get(key)
                self._cpu[key] = (at, total)
                if last is not None and at > last[0] and total >= last[1]:
                    cores[key] = (total - last[1]) / (at - last[0])
        for gone in [k for k in self._cpu if k not in set(notebooks)]:
            del self._cpu[gone]
        return cores

    async def scrape(self, session: aiohttp.ClientSession, node: str) -> dict[Key, float]:
        assert self.kubelets is not None
        where = await self.kubelets.address(node)
        if where is None:
            raise ProbeError("the node has no InternalIP")
        host, port = where
        url = f"https://{host}:{port}/metrics/resource"
        headers = {"Authorization": f"Bearer {self.kubelets.token()}"}
        async with session.get(url, headers=headers, ssl=self.kubelets.ssl_context) as r:
            if r.status != 200:
                raise ProbeError(f"/metrics/resource answered {r.status}")
            return parse_cpu(await r.text())


class ProbeError(Exception):
    """A notebook (or a kubelet) that did not answer as a probe expects."""
