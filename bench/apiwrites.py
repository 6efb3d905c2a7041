"""Write requests the API server served, read from its own /metrics.

`apiserver_request_total` counts requests by verb, group, resource and
subresource (not by user), so the bench reads it twice and subtracts; the
resources the controller writes are told apart from the cluster's own
background writes (node heartbeats, leases).
"""

from __future__ import annotations

import re
from collections import Counter

WRITE_VERBS = {"POST", "PUT", "PATCH", "APPLY", "DELETE", "DELETECOLLECTION"}
# What the controller writes; nothing else writes these at steady state.
CONTROLLER_RESOURCES = {
    "notebooks",
    "templaterevisions",
    "statefulsets",
    "services",
    "roles",
    "rolebindings",
    "secrets",
    "configmaps",
    "events",
    "virtualservices",
    "httproutes",
}
_SAMPLE = re.compile(r"^apiserver_request_total\{(?P<labels>[^}]*)\} (?P<value>\S+)$")
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

Resource = tuple[str, str]  # (resource, subresource)


def write_counts(metrics: str) -> Counter[Resource]:
    """Write requests so far, by resource and subresource."""
    counts: Counter[Resource] = Counter()
    for line in metrics.splitlines():
        match = _SAMPLE.match(line)
        if not match:
            continue
        labels = dict(_LABEL.findall(match["labels"]))
        if labels.get("verb") in WRITE_VERBS:
            counts[(labels.get("resource", ""), labels.get("subresource", ""))] += int(float(match["value"]))
    return counts


def split(delta: Counter[Resource]) -> tuple[int, int, str]:
    """(writes to the controller's kinds, other writes, the busiest other resource)."""
    ours = sum(n for (resource, _), n in delta.items() if resource in CONTROLLER_RESOURCES)
    others = Counter({k: n for k, n in delta.items() if k[0] not in CONTROLLER_RESOURCES and n > 0})
    top = ", ".join(f"{r}{'/' + s if s else ''} {n}" for (r, s), n in others.most_common(2))
    return ours, sum(others.values()), top
