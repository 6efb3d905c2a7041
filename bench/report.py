"""The scale results as tables, goals met or missed, and a plot, for docs/benchmarks.md."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.common import REPO, write_section

if TYPE_CHECKING:
    from bench.scale import Results, Stage

SECTION = "The controller at scale"
PLOT = REPO / "docs" / "benchmarks-scale.png"
MEMORY_GOAL = 128.0  # MiB, peak at the largest stage (issue 18)
SMALL_MEMORY_GOAL = 48.0  # MiB, settled at the first stage (200 notebooks)
LATENCY_GOAL = 2.0  # s, p99 create→StatefulSet in each burst
BATCH_GOAL = 20.0  # StatefulSets per second, sustained, for a batch created at once
FANOUT_GOAL = 60.0  # s
# "Costs nothing measurable": under 1% of a core more while others churn, and no growth.
NOISE_CPU_GOAL, NOISE_RSS_GOAL = 0.6, 5.0


def _versions() -> str:
    pins = dict(
        line.split("=", 1)
        for line in (REPO / "devcluster" / "versions.env").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    return (
        f"Kubernetes {pins.get('K8S_VERSION', '?')}, kwok {pins.get('KWOK_VERSION', '?')}; "
        f"the controller's environment: {controller_versions()}"
    )


def controller_versions() -> str:
    """What the controller runs on, read in its own environment (devcluster.controller_env)."""
    from devcluster.controller_env import run_script

    script = (
        "import importlib.metadata as m, platform;"
        "print(f'Python {platform.python_version()}, ' + ', '.join(f'{p} {m.version(p)}' for p in"
        " ('kopf', 'aiohttp', 'urllib3', 'pydantic', 'prometheus-client')))"
    )
    return run_script(script).strip() + " (no official Kubernetes client)"


def _verdict(met: bool) -> str:
    return "**met**" if met else "**missed**"


def _peak(stage: Stage) -> float:
    return max(stage.peak, stage.cold.peak if stage.cold else 0.0)


def _writes(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "none"


def batch_table(results: Results) -> str:
    b = results.batch
    if b is None:
        return ""
    return "\n".join(
        [
            "### A batch created at once",
            "",
            f"{b.notebooks:,} notebooks created as fast as the bench sends them (32 at a time), beside "
            f"{b.already:,} running, before the last stage grows.",
            "",
            "| notebooks | sent in | every StatefulSet after | overall | sustained (10th to 90th) "
            "| create→StatefulSet p50 / p95 / p99 |",
            "|---|---|---|---|---|---|",
            f"| {b.notebooks:,} | {b.sent:.1f} s | {b.seconds:.1f} s | {b.overall:.1f}/s "
            f"| {b.sustained:.1f}/s | " + " / ".join(f"{v:.2f}" for v in b.to_statefulset) + " s |",
        ]
    )


def tables(results: Results) -> str:
    rows = [
        "| notebooks | created | until all Running | controller CPU | peak memory | settled memory "
        "| create→StatefulSet p50 / p95 / p99 | create→pod Running p50 / p95 / p99 "
        "| API server in the burst |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in results.stages:
        sts, run = s.to_statefulset, s.to_running
        rows.append(
            f"| {s.notebooks:,} | {s.grown:,} + {s.burst} | {s.grow_seconds:.1f} s | {s.grow_cpu:.1f} s "
            f"| {_peak(s):.0f} MiB | {s.settled:.0f} MiB "
            f"| {sts[0]:.2f} / {sts[1]:.2f} / {sts[2]:.2f} s | {run[0]:.2f} / {run[1]:.2f} / {run[2]:.2f} s "
            f"| {s.apiserver_load:.2f} cores |"
        )
    calm = [
        "| notebooks | window | writes to our kinds (apiserver) | controller writes (audit) "
        "| other writes (not ours) | after a restart: our kinds / controller |",
        "|---|---|---|---|---|---|",
    ]
    for s in results.stages:
        c, after = s.calm, s.cold.calm if s.cold else None
        assert c is not None
        tail = "-"
        if after:
            tail = f"{after.per_minute(after.ours):.0f} / {after.per_minute(after.controller):.0f} per min"
        calm.append(
            f"| {s.notebooks:,} | {c.seconds:.0f} s | {c.per_minute(c.ours):.0f} per min "
            f"| {c.per_minute(c.controller):.0f} per min | {c.per_minute(c.other):.0f} per min ({c.top}) "
            f"| {tail} |"
        )
    cold = [
        "| notebooks | process up | every notebook reconciled | CPU | peak memory | settled memory "
        "| writes it made |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in results.stages:
        k = s.cold
        assert k is not None
        cold.append(
            f"| {s.notebooks:,} | {k.started:.1f} s | {k.settled:.1f} s | {k.cpu:.1f} s | {k.peak:.0f} MiB "
            f"| {k.rss:.0f} MiB | {_writes(k.writes)} |"
        )
    parts = [
        "### Scale, latency and memory",
        "\n".join(rows),
        "### Calm",
        "\n".join(calm),
        "### Cold start",
        "\n".join(cold),
    ]
    if results.noise:
        n = results.noise
        parts += [
            "### Noise",
            f"{n.statefulsets:,} StatefulSets with {n.pods:,} pods in ten namespaces of their own, "
            "with no label of ours: made, then churned "
            f"({n.churn_ops:,} scale changes and pod patches at 20 per second).\n\n"
            "| controller CPU, idle | while they were made | while they churned | memory before "
            "| memory after | controller writes |\n|---|---|---|---|---|---|\n"
            f"| {n.idle_cpu:.2f} s/min | {n.create_cpu:.2f} s/min | {n.churn_cpu:.2f} s/min "
            f"| {n.rss_before:.0f} MiB | {n.rss_after:.0f} MiB | {n.controller_writes} |",
        ]
    if results.fanout:
        f = results.fanout
        parts += [
            "### Fan-out",
            f"The Template all {f.notebooks:,} notebooks use gets a new image. "
            f"Every status said an update is available after **{f.seconds:.1f} s**; "
            f"pods restarted: **{f.restarted}**. The controller's writes: {_writes(f.writes)}.",
        ]
    return "\n\n".join(parts)


def goals(results: Results) -> str:
    last = results.stages[-1]
    peak = _peak(last)
    calm_ok = all(
        c is not None and c.ours == 0 and c.controller == 0
        for s in results.stages
        for c in (s.calm, s.cold.calm if s.cold else None)
    )
    worst = max(s.to_statefulset[2] for s in results.stages)
    lines = [
        "| goal | measured | |",
        "|---|---|---|",
        f"| under {MEMORY_GOAL:.0f} MiB at {last.notebooks:,} notebooks | peak {peak:.0f} MiB, "
        f"settled {last.settled:.0f} MiB | {_verdict(peak < MEMORY_GOAL)} |",
        "| zero writes per minute at steady state, and after a restart | "
        + ("0 in every window" if calm_ok else "see Calm")
        + f" | {_verdict(calm_ok)} |",
        f"| p99 create→StatefulSet under {LATENCY_GOAL:.0f} s in the burst | worst p99 {worst:.2f} s "
        f"| {_verdict(worst < LATENCY_GOAL)} |",
    ]
    if results.fanout:
        f = results.fanout
        ok = f.seconds < FANOUT_GOAL and f.restarted == 0
        lines.append(
            f"| fan-out under {FANOUT_GOAL:.0f} s with zero restarts | {f.seconds:.1f} s, "
            f"{f.restarted} restarts | {_verdict(ok)} |"
        )
    if results.noise:
        n = results.noise
        extra, grown = n.churn_cpu - n.idle_cpu, n.rss_after - n.rss_before
        ok = extra < NOISE_CPU_GOAL and n.create_cpu - n.idle_cpu < NOISE_CPU_GOAL and grown < NOISE_RSS_GOAL
        lines.append(
            f"| unrelated churn costs nothing measurable | {extra:+.2f} CPU s/min, {grown:+.0f} MiB, "
            f"{n.controller_writes} writes | {_verdict(ok)} |"
        )
    first = results.stages[0]
    lines.insert(
        2,
        f"| under {SMALL_MEMORY_GOAL:.0f} MiB at {first.notebooks:,} notebooks "
        f"| settled {first.settled:.0f} MiB, peak {_peak(first):.0f} MiB "
        f"| {_verdict(first.settled < SMALL_MEMORY_GOAL)} |",
    )
    if results.batch:
        b = results.batch
        lines.append(
            f"| {b.notebooks:,} created at once become StatefulSets at {BATCH_GOAL:.0f}/s or more, sustained "
            f"| {b.sustained:.1f}/s sustained, {b.overall:.1f}/s overall "
            f"| {_verdict(b.sustained >= BATCH_GOAL)} |"
        )
    cold = last.cold
    if cold is not None:
        count = sum(cold.writes.values())
        lines.append(
            f"| a restart at {last.notebooks:,} writes nothing | ready in {cold.settled:.1f} s, "
            f"{count} writes | {_verdict(count == 0)} |"
        )
    return "\n".join(lines)


def plot(results: Results) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    x = [s.notebooks for s in results.stages]
    fig, (memory, latency) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    memory.plot(x, [_peak(s) for s in results.stages], "o-", label="peak")
    memory.plot(x, [s.settled for s in results.stages], "s-", label="settled")
    memory.axhline(MEMORY_GOAL, color="grey", linestyle="--", label=f"goal {MEMORY_GOAL:.0f} MiB")
    memory.set(title="Controller resident memory", xlabel="notebooks", ylabel="MiB", ylim=(0, None))
    memory.legend()
    for index, name in enumerate(("p50", "p95", "p99")):
        latency.plot(x, [s.to_statefulset[index] for s in results.stages], "o-", label=f"→StatefulSet {name}")
    latency.plot(x, [s.to_running[2] for s in results.stages], "^:", label="→pod Running p99")
    latency.axhline(LATENCY_GOAL, color="grey", linestyle="--", label=f"goal {LATENCY_GOAL:.0f} s")
    latency.set(
        title=f"Latency from create, burst of {results.stages[0].burst} at 20/s",
        xlabel="notebooks already running",
        ylabel="seconds",
        ylim=(0, None),
    )
    latency.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(PLOT)
    plt.close(fig)


def write(results: Results) -> str:
    """Write the section and the plot; return the tables for the terminal."""
    plot(results)
    quick = (
        f" This run was scaled by BENCH_SCALE={results.scale:g}; the published numbers use 1."
        if results.scale != 1
        else ""
    )
    verdicts, measured = goals(results), tables(results)
    body = "\n\n".join(
        [
            f"`make bench` (`python -m bench.scale`), against the local control plane: {_versions()}. "
            f"Notebooks in {results.namespaces} namespaces all use one shared Template; each grows to its "
            "stage, then takes "
            "a burst of creates at 20 per second, then a restart of the controller; before the last stage "
            "grows, a batch is created at once. The controller runs from its own environment, as in its "
            "image (`devcluster/controller_env.py`). Latencies come from "
            "the bench's own watches (from the moment the create was sent), writes from the API server's "
            "`/metrics` and its audit log of the controller's requests, memory and CPU from `/proc`." + quick,
            "### Goals",
            verdicts,
            measured,
            *([batch_table(results)] if results.batch else []),
            f"![memory and latency against notebooks]({PLOT.name})",
        ]
    )
    write_section(SECTION, body)
    return verdicts + "\n\n" + measured + "\n\n" + batch_table(results)
