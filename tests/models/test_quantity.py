"""Quantities parse as the API server reads them, and bad ones are named."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from jupyter_nbctl.models import NotebookResources, parse_quantity


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2", Decimal(2)),
        (4, Decimal(4)),
        ("16Gi", Decimal(16 * 2**30)),
        ("1.5G", Decimal("1.5e9")),
        ("1e3", Decimal(1000)),
        ("0.1", Decimal("0.1")),
    ],
)
def test_quantities_parse_to_base_units(text, value) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("text", ["16 GB", "lots", "", "1.2.3", "Gi", "16gi"])
def test_malformed_quantities_are_refused_by_name(text) -> None:
    with pytest.raises(ValidationError) as refused:
        NotebookResources(memory=text)
    assert "memory" in str(refused.value)
    assert "is not a quantity" in str(refused.value)


@pytest.mark.parametrize("text", ["1e1000000", "10E", "8Ei", "1e19", 2**63])
def test_absurdly_large_quantities_are_refused_by_name(text) -> None:
    # Kubernetes keeps quantities in 64 bits; beyond that a controller can only fail.
    with pytest.raises(ValidationError) as refused:
        NotebookResources(memory=text)
    assert "memory" in str(refused.value)
    assert "less than 8Ei" in str(refused.value)


def test_the_largest_quantity_is_accepted() -> None:
    assert NotebookResources(memory="7Ei").memory == "7Ei"
