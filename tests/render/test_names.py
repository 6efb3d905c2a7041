"""Names the controller makes always fit Kubernetes' limits."""

from __future__ import annotations

import pytest
from nbctl_controller.names import digest, revision_name, route_name


@pytest.mark.parametrize("length", [1, 52, 53, 63, 64, 65, 253])
def test_revision_names_fit_a_label_value(length: int) -> None:
    name = revision_name("t" * length, digest({"a": 1}))
    assert len(name) <= 63
    assert name.endswith("-" + digest({"a": 1}))


def test_revision_names_do_not_end_the_stem_with_punctuation() -> None:
    assert revision_name("a" * 51 + "-.xyz", "0123456789") == "a" * 51 + "-0123456789"


def test_digests_ignore_key_order_and_differ_on_content() -> None:
    assert digest({"a": 1, "b": 2}) == digest({"b": 2, "a": 1})
    assert digest({"a": 1}) != digest({"a": 2})


def test_route_names_follow_kubeflow_and_stay_short() -> None:
    assert route_name("team-a", "lab") == "notebook-team-a-lab"
    assert len(route_name("n" * 63, "x" * 200)) <= 253
