"""Merging PodDefaults into a pod template, with conflicts that name both sources.

Lists that Kubernetes keys by a field merge by that key: containers, init
containers, env and volumes by name, volume mounts by mount path, ports by
container port. `envFrom`, `tolerations` and `imagePullSecrets` take the union.
Maps merge key by key. Any other value set twice must be equal: the same key
with another value is a conflict, and the message says who set each.
"""

from __future__ import annotations

import copy
from typing import Any

KEYED_LISTS = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "ports": "containerPort",
    "hostAliases": "ip",
    "resourceClaims": "name",
}
UNION_LISTS = {"envFrom", "tolerations", "imagePullSecrets"}


class MergeConflict(ValueError):
    """Two sources set the same field to different values."""

    def __init__(self, path: str, first: str, second: str, first_value: Any, second_value: Any) -> None:
        self.path = path
        self.sources = (first, second)
        super().__init__(
            f"{second} and {first} both set {path} ({_short(second_value)} vs {_short(first_value)})"
        )


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Merger:
    def __init__(self, base_source: str) -> None:
        self.base_source = base_source
        self.provenance: dict[str, str] = {}

    def owner(self, path: str) -> str:
        # The longest recorded prefix set this path; otherwise the base did.
        probe = path
        while probe:
            if probe in self.provenance:
                return self.provenance[probe]
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return self.base_source

    def merge(self, dst: dict[str, Any], src: dict[str, Any], path: str, source: str) -> None:
        for key, value in src.items():
            here = f"{path}.{key}" if path else key
            if key not in dst or dst[key] is None:
                dst[key] = copy.deepcopy(value)
                self.provenance[here] = source
            elif isinstance(dst[key], dict) and isinstance(value, dict):
                self.merge(dst[key], value, here, source)
            elif isinstance(dst[key], list) and isinstance(value, list) and key in KEYED_LISTS:
                self.merge_keyed(dst[key], value, here, KEYED_LISTS[key], source)
            elif isinstance(dst[key], list) and isinstance(value, list) and key in UNION_LISTS:
                dst[key].extend(copy.deepcopy(item) for item in value if item not in dst[key])
            elif dst[key] != value:
                raise MergeConflict(here, self.owner(here), source, dst[key], value)

    def merge_keyed(self, dst: list[Any], src: list[Any], path: str, key: str, source: str) -> None:
        index = {item.get(key): item for item in dst if isinstance(item, dict)}
        for item in src:
            ident = item.get(key) if isinstance(item, dict) else None
            here = f"{path}[{ident}]"
            if ident is None or ident not in index:
                dst.append(copy.deepcopy(item))
                self.provenance[here] = source
            else:
                self.merge(index[ident], item, here, source)


def merge_pod_templates(
    base: dict[str, Any], base_source: str, layers: list[tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    """Merge partial pod templates into a copy of `base`, in order.

    `base_source` and each layer's name say who set what, for conflict
    messages ("PodDefault kubeflow/a and Template kubeflow/t both set ...").
    Raises MergeConflict on the first conflict.
    """
    result = copy.deepcopy(base)
    merger = _Merger(base_source)
    for source, layer in layers:
        merger.merge(result, layer, "", source)
    return result
