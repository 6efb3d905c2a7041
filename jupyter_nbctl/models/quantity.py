"""Kubernetes resource quantities ("500m", "16Gi", 4): parsing and the schema.

A small parser of our own keeps the models free of the Kubernetes client. It
accepts what the API server's `resource.Quantity` accepts for the values users
type: a decimal number with an optional SI, binary or exponent suffix.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}


# Kubernetes keeps a quantity in 64 bits: from 2**63 (8Ei) on, a value can be
# stored but not used, and the controller could only fail on it.
LIMIT = Decimal(2**63)
LIMIT_TEXT = "8Ei"


def parse_quantity(value: str | int | float) -> Decimal:
    """Return the value of a quantity in base units (cores, bytes, devices).

    Raises ValueError with the offending text when it is not a quantity, or
    when it is not less than 8Ei.
    """
    amount = _parse(value)
    if abs(amount) >= LIMIT:
        raise ValueError(f"{value!r} is too large: a quantity must be less than {LIMIT_TEXT}")
    return amount


def _parse(value: str | int | float) -> Decimal:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a quantity")
    if isinstance(value, int | float):
        return Decimal(str(value))
    match = _QUANTITY.match(value.strip()) if isinstance(value, str) else None
    if not match:
        raise ValueError(f"{value!r} is not a quantity (examples: 500m, 2, 16Gi)")
    try:
        number = Decimal(match["number"])
    except InvalidOperation as err:  # pragma: no cover - the regex admits only decimals
        raise ValueError(f"{value!r} is not a quantity") from err
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    exponent = int(suffix[1:])
    if exponent > 30:
        return LIMIT  # far past the limit; spare computing 10**exponent
    return number * (Decimal(10) ** exponent)


def _check(value: Any) -> Any:
    parse_quantity(value)
    return value


# The CEL rule mirrors the Python check so the API server refuses what the
# models refuse, for clients that never run our Python.
QUANTITY_SCHEMA: dict[str, Any] = {
    "x-kubernetes-int-or-string": True,
    "anyOf": [{"type": "integer"}, {"type": "string"}],
    "x-kubernetes-validations": [
        {
            "rule": "type(self) == int ? self >= 0 : "
            f"isQuantity(self) && quantity(self).isLessThan(quantity('{LIMIT_TEXT}'))",
            "message": f"must be a quantity such as 500m, 2 or 16Gi, and less than {LIMIT_TEXT}",
        }
    ],
}

Quantity = Annotated[str | int, BeforeValidator(_check), WithJsonSchema(QUANTITY_SCHEMA)]
"""A resource quantity as Kubernetes writes it: an integer or a string."""
