"""Resources against a Template's bounds: the one rule the controller and the extension share."""

from __future__ import annotations

import pytest

from jupyter_nbctl.models.bounds import OutOfBounds, resolve_resources


def test_a_template_without_a_maximum_still_caps_what_a_notebook_takes() -> None:
    bounds = {"cpu": {"default": "1"}, "memory": {"default": "2Gi"}}

    with pytest.raises(OutOfBounds, match="cpu 300 is more than 16, the most a template without a maximum"):
        resolve_resources(bounds, {"cpu": "300"})
    with pytest.raises(OutOfBounds, match="memory 1Ti is more than 64Gi"):
        resolve_resources(bounds, {"memory": "1Ti"})
    assert resolve_resources(bounds, {"cpu": "16", "memory": "64Gi"}).cpu == "16"


def test_a_default_above_the_cap_is_the_cap_of_its_template() -> None:
    bounds = {"cpu": {"default": "32"}, "memory": {"default": "2Gi"}}

    assert resolve_resources(bounds, {}).cpu == "32"
    with pytest.raises(OutOfBounds, match="cpu 33 is more than 32"):
        resolve_resources(bounds, {"cpu": "33"})


def test_a_maximum_that_is_set_is_the_template_authors_word() -> None:
    bounds = {"cpu": {"default": "1", "max": "128"}, "memory": {"default": "2Gi"}}

    assert resolve_resources(bounds, {"cpu": "100"}).cpu == "100"


def test_a_workspace_without_a_maximum_is_not_capped_here() -> None:
    from jupyter_nbctl.models.bounds import resolve_workspace_size

    assert resolve_workspace_size({"default": "5Gi"}, "2Ti") == "2Ti"


@pytest.mark.parametrize(
    ("factor", "cpu", "memory_factor", "limits"),
    [
        pytest.param(None, "500m", None, {"cpu": "500m", "memory": "1Gi"}, id="unset: limit is request"),
        pytest.param("1", "500m", None, {"cpu": "500m", "memory": "1Gi"}, id="one"),
        pytest.param("1.5", "500m", "2", {"cpu": "750m", "memory": str(2 << 30)}, id="a multiple"),
        pytest.param("1.2", "333m", None, {"cpu": "400m", "memory": "1Gi"}, id="rounded up"),
        pytest.param("none", "500m", None, {"memory": "1Gi"}, id="none: no cpu limit"),
    ],
)
def test_a_limit_factor_sets_the_limit_as_kubeflow_does(factor, cpu, memory_factor, limits) -> None:  # type: ignore[no-untyped-def]
    bounds = {
        "cpu": {"default": cpu, **({"limitFactor": factor} if factor else {})},
        "memory": {"default": "1Gi", **({"limitFactor": memory_factor} if memory_factor else {})},
    }

    resolved = resolve_resources(bounds, {})

    assert resolved.cpu == cpu and resolved.memory == "1Gi"
    assert resolved.limits == limits


@pytest.mark.parametrize("factor", ["0.5", "-1", "lots", ""])
def test_a_limit_factor_below_one_or_not_a_number_is_refused(factor: str) -> None:
    from pydantic import ValidationError

    from jupyter_nbctl.models.template import QuantityBounds

    with pytest.raises(ValidationError, match="limit"):
        QuantityBounds.model_validate({"default": "1", "limitFactor": factor})
