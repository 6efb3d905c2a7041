"""Where the controller's memory floor goes: resident memory after each import, before any notebook.

One fresh Python process in the controller's own environment (devcluster.controller_env, as its
image) imports the controller's modules in the order the controller does (asyncio and urllib3
first, then aiohttp, pydantic, kopf, Prometheus' client, our models, our REST layer, the operator)
and reads VmRSS from /proc/self/status after each. A second, in the development virtualenv, where
the official Kubernetes client is installed, shows what `import kopf` costs there.

    python -m bench.memory_floor
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys

from bench.common import REPO, write_section
from devcluster.controller_env import controller_python

ORDER = [
    ("asyncio", "asyncio (with ssl: OpenSSL's libraries)"),
    ("urllib3", "urllib3 and http.client (our connection)"),
    ("yaml", "PyYAML (kubeconfig)"),
    ("yarl", "multidict and yarl"),
    ("aiohttp", "aiohttp (kopf's client; the guard's server)"),
    ("pydantic.main", "pydantic and pydantic-core"),
    ("kopf", "kopf"),
    ("prometheus_client", "prometheus_client"),
    ("jupyter_nbctl.models", "our models (validators built on first use)"),
    ("jupyter_nbctl.kube.rest", "our connection and list/watch/apply layer"),
    ("nbctl_controller.operator", "the operator and the rest of the controller"),
]
OURS = ("jupyter_nbctl", "nbctl_controller")
PLOT = REPO / "docs" / "benchmarks-memory.png"
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


def _measure(*modules: str, python: str | None = None, flags: tuple[str, ...] = ()) -> dict:
    out = subprocess.run(
        [python or str(controller_python()), *flags, "-c", _CHILD, *modules],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": f"{REPO}:{REPO / 'controller'}", "PATH": "/usr/bin:/bin"},
    )
    return json.loads(out.stdout)


def main() -> int:
    ordered = _measure(*(module for module, _ in ORDER))["rows"]
    shipped = _measure("kopf")
    stripped = _measure(*(module for module, _ in ORDER), flags=("-OO",))["rows"][-1][1]
    # The development virtualenv has the official client (the extension's): what kopf loads there.
    with_client = _measure("kopf", "nbctl_controller.operator", python=sys.executable)
    lines = ["| import | module | adds | resident after |", "|---|---|---|---|"]
    lines.append(f"| Python itself | | | {ordered[0][1]:.1f} MiB |")
    added = []
    for (module, what), (previous, now) in zip(ORDER, itertools.pairwise(ordered), strict=True):
        added.append((what, now[1] - previous[1]))
        lines.append(f"| {what} | `{module}` | +{now[1] - previous[1]:.1f} MiB | {now[1]:.1f} MiB |")
    table = "\n".join(lines)
    floor = ordered[-1][1]
    ours = sum(mib for (module, _), (_, mib) in zip(ORDER, added, strict=True) if module.startswith(OURS))
    before = with_client["rows"][-1][1]
    _plot(ordered[0][1], added)
    body = (
        "Resident memory of a fresh Python process after each of the controller's imports, in the "
        "controller's own order, before it watches anything (`python -m bench.memory_floor`), in the "
        "controller's own environment: exactly `controller/requirements.txt`, as its image installs it "
        "(`devcluster/controller_env.py`). "
        f"The floor is **{floor:.0f} MiB** against a goal of {GOAL_MIB} MiB at 200 notebooks (issue 18): "
        f"{'met' if floor < GOAL_MIB else 'missed'} before the first notebook. Of it, "
        f"{floor - ours:.0f} MiB is Python and the packages kopf and its client need, "
        f"{ours:.0f} MiB the controller's own code and models.\n\n"
        + table
        + "\n\n"
        + f"With the official Kubernetes client installed beside kopf (the development virtualenv), "
        f"the same imports come to {before:.0f} MiB"
        + (
            ": `import kopf` loads the client by itself when it is installed. "
            if with_client["kubernetes"]
            else ". "
        )
        + f"In the controller's environment it is not installed (kopf loaded it: {shipped['kubernetes']}); "
        "the controller reads its kubeconfig or ServiceAccount itself and talks through urllib3 "
        "(`jupyter_nbctl/kube/connection.py`).\n\n"
        "Tried: building the models' validators on first use (kept: pydantic's `defer_build`); "
        f"`python -OO`, without docstrings, comes to {stripped:.0f} MiB in this run (not kept: it also "
        "drops asserts, for a few MiB). What is left is mostly "
        + ", ".join(f"{what.split(' (')[0]} {mib:.0f} MiB" for what, mib in added if mib >= 5)
        + ": the operator framework the issue keeps, its HTTP client and TLS.\n\n"
        f"![memory floor by import]({PLOT.name})"
    )
    print(table)
    print(f"floor {floor:.1f} MiB; with the official client installed {before:.1f} MiB")
    write_section("The controller's memory floor (imports)", body)
    return 0


def _plot(python: float, added: list[tuple[str, float]]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axis = plt.subplots(figsize=(10, 3.2), dpi=100)
    left = 0.0
    for index, (what, mib) in enumerate([("Python itself", python), *added]):
        axis.barh(0, mib, left=left, color=plt.cm.tab20(index % 20), edgecolor="white")
        if mib >= 2.5:
            axis.text(
                left + mib / 2, 0, f"{what.split(' (')[0]}\n{mib:.1f}", ha="center", va="center", fontsize=7
            )
        left += mib
    axis.axvline(GOAL_MIB, color="grey", linestyle="--")
    axis.text(GOAL_MIB, 0.45, f" goal at 200 notebooks: {GOAL_MIB} MiB", fontsize=8, va="bottom")
    axis.set(title="The controller's resident memory before any notebook, by import", xlabel="MiB", yticks=[])
    axis.set_xlim(0, max(left, GOAL_MIB) * 1.05)
    fig.tight_layout()
    fig.savefig(PLOT)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
