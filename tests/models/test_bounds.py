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
