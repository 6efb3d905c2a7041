"""Where the controller's memory floor goes: resident memory after each import, before any notebook.

Each row is a fresh Python process that imports the controller's modules in the order the
controller does (the standard library's asyncio and HTTP first, then aiohttp, pydantic, the
official Kubernetes client, kopf, Prometheus' client, our models, our REST layer, the operator)
and reads VmRSS from /proc/self/status after each. A second process imports the Kubernetes client
alone, for its cost without the pieces it shares; a third says whether `import kopf` loads the
Kubernetes client by itself.

    python -m bench.memory_floor
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

from bench.common import REPO, write_section

ORDER = [
    ("asyncio", "asyncio (with ssl)"),
    ("http.client", "http.client"),
    ("yarl", "multidict and yarl"),
    ("aiohttp", "aiohttp"),
    ("pydantic", "pydantic"),
    ("kubernetes.client", "the official Kubernetes client and its generated models"),
    ("kopf", "kopf"),
    ("prometheus_client", "prometheus_client"),
    ("jupyter_nbctl.models", "our models"),
    ("jupyter_nbctl.kube.rest", "our list/watch/apply layer"),
    ("nbctl_controller.operator", "the operator and the rest of the controller"),
]
GOAL_MIB = 48  # at 200 notebooks (issue 18): the floor alone must leave room for them

_CHILD = """
import importlib, json, sys
def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
rows = [("python", rss())]
for module in sys.argv[1:]:
    importlib.import_module(module)
    rows.append((module, rss()))
print(json.dumps({"rows": rows, "kubernetes": "kubernetes" in sys.modules}))
"""


def _measure(*modules: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *modules],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": f"{REPO}:{REPO / 'controller'}", "PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.stdout)


def main() -> int:
    ordered = _measure(*(module for module, _ in ORDER))["rows"]
    alone = _measure("kubernetes.client")["rows"]
    kopf_loads_kubernetes = _measure("kopf")["kubernetes"]
    lines = ["| import | module | adds | resident after |", "|---|---|---|---|"]
    lines.append(f"| Python itself | | | {ordered[0][1]:.1f} MiB |")
    for (module, what), (previous, now) in zip(ORDER, itertools.pairwise(ordered), strict=True):
        lines.append(f"| {what} | `{module}` | +{now[1] - previous[1]:.1f} MiB | {now[1]:.1f} MiB |")
    table = "\n".join(lines)
    floor = ordered[-1][1]
    client_alone = alone[-1][1] - alone[0][1]
    body = (
        "Resident memory of a fresh Python process after each of the controller's imports, in the "
        "controller's own order, before it watches anything (`python -m bench.memory_floor`, in "
        "the development virtualenv: the controller's packages and others it never imports). "
        f"The floor is {floor:.0f} MiB against a goal of {GOAL_MIB} MiB at 200 notebooks (issue 18): "
        f"{'met' if floor < GOAL_MIB else 'missed'} before the first notebook.\n\n"
        + table
        + "\n\n"
        + f"Imported alone, the Kubernetes client costs {client_alone:.1f} MiB (its generated models; "
        "less in the table above, where it shares the standard library's HTTP and SSL pieces). "
        + (
            "`import kopf` loads it by itself when it is installed, so leaving it out of the "
            "controller's image needs our own kubeconfig loading and REST transport (or kopf's) "
            "in `nbctl_controller.operator` and `jupyter_nbctl.kube.rest`, its two users: the "
            "largest cut this table shows, not yet made."
            if kopf_loads_kubernetes
            else "`import kopf` does not load it by itself: the controller's own imports do."
        )
    )
    print(table)
    print(f"floor {floor:.1f} MiB; kubernetes.client alone {client_alone:.1f} MiB; ", end="")
    print(f"kopf loads kubernetes: {kopf_loads_kubernetes}")
    write_section("The controller's memory floor (imports)", body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
