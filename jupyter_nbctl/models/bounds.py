"""Resources against a Template's bounds: one rule, for the controller and the extension."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from jupyter_nbctl.models.quantity import parse_quantity


class OutOfBounds(ValueError):
    """A resource outside the Template's bounds; the message names it and the bound."""


@dataclass(frozen=True)
class Resources:
    """The resources a notebook gets, resolved against the Template's bounds."""

    cpu: str
    memory: str
    gpu: int
    gpu_resource: str
    limits: dict[str, str] = field(default_factory=dict)
    """The container's cpu and memory limits; a resource without one has none (limitFactor none)."""


# What a Template without a maximum still caps (or its default, when that is more): no notebook takes
# a whole node because its author left the maximum out (docs/api.md, Template).
UNSET_MAXIMUM = {"cpu": "16", "memory": "64Gi"}


def _check(what: str, value: Any, bounds: dict[str, Any]) -> None:
    amount = parse_quantity(value)
    if bounds.get("min") is not None and amount < parse_quantity(bounds["min"]):
        raise OutOfBounds(f"{what} {value} is less than the template's minimum {bounds['min']}")
    if bounds.get("max") is not None:
        if amount > parse_quantity(bounds["max"]):
            raise OutOfBounds(f"{what} {value} is more than the template's maximum {bounds['max']}")
        return
    if what not in UNSET_MAXIMUM:
        return  # a workspace without a maximum: its class and the namespace's quota bound it
    cap = max(UNSET_MAXIMUM[what], str(bounds.get("default") or 0), key=parse_quantity)
    if amount > parse_quantity(cap):
        raise OutOfBounds(
            f"{what} {value} is more than {cap}, the most a template without a maximum gives; an "
            f"administrator can set the template's resources.{what}.max"
        )


def _limit(what: str, value: Any, factor: str | None) -> str | None:
    """The limit for `value` under a Template's limitFactor (unset: the value itself; none: no limit)."""
    if factor == "none":
        return None
    if factor is None or Decimal(factor) == 1:
        return str(value)
    amount = parse_quantity(value) * Decimal(factor)
    # Rounded up, in the units the API server itself writes: millicores, bytes.
    return f"{math.ceil(amount * 1000)}m" if what == "cpu" else str(math.ceil(amount))


def resolve_resources(bounds: dict[str, Any], asked: dict[str, Any]) -> Resources:
    """The notebook's cpu, memory and GPUs: what it asked for, else the defaults, within bounds.

    `bounds` is a Template's `spec.resources` (camelCase dict), `asked` a
    Notebook's `spec.resources`. Raises OutOfBounds.
    """
    cpu_bounds = bounds.get("cpu") or {"default": "1"}
    memory_bounds = bounds.get("memory") or {"default": "2Gi"}
    gpu_bounds = bounds.get("gpu") or {}
    cpu = asked.get("cpu") if asked.get("cpu") is not None else cpu_bounds["default"]
    memory = asked.get("memory") if asked.get("memory") is not None else memory_bounds["default"]
    _check("cpu", cpu, cpu_bounds)
    _check("memory", memory, memory_bounds)
    gpu = int(asked["gpu"] if asked.get("gpu") is not None else gpu_bounds.get("default", 0))
    gpu_min, gpu_max = int(gpu_bounds.get("min", 0)), int(gpu_bounds.get("max", 0))
    if not gpu_min <= gpu <= gpu_max:
        raise OutOfBounds(f"gpu {gpu} is outside the template's range {gpu_min} to {gpu_max}")
    limits = {
        what: limit
        for what, value, factor in (
            ("cpu", cpu, cpu_bounds.get("limitFactor")),
            ("memory", memory, memory_bounds.get("limitFactor")),
        )
        if (limit := _limit(what, value, factor)) is not None
    }
    return Resources(str(cpu), str(memory), gpu, gpu_bounds.get("resourceName", "nvidia.com/gpu"), limits)


def resolve_workspace_size(bounds: dict[str, Any], asked: Any) -> str:
    """The workspace's size: what the notebook asked for, else the Template's default, within bounds.

    `bounds` is a Template's `spec.workspace.size` (camelCase dict). Raises OutOfBounds.
    """
    size = asked if asked is not None else (bounds.get("default") or "5Gi")
    _check("workspace size", size, bounds)
    if parse_quantity(size) <= 0:
        raise OutOfBounds(f"workspace size {size} must be more than zero")
    return str(size)
