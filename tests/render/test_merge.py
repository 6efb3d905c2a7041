"""PodDefaults merge by key, and a conflict names both sources."""

from __future__ import annotations

import pytest
from nbctl_controller.merge import MergeConflict, merge_pod_templates

BASE = {"spec": {"containers": [{"name": "main", "image": "lab:1", "env": [{"name": "A", "value": "1"}]}]}}


def test_env_volumes_mounts_and_ports_merge_by_their_keys() -> None:
    layer = {
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "volumeMounts": [{"name": "pypi", "mountPath": "/etc/pypi"}],
                    "ports": [{"name": "http-spark", "containerPort": 4040}],
                },
                {"name": "sidecar", "image": "proxy:1"},
            ],
            "volumes": [{"name": "pypi", "secret": {"secretName": "pypi"}}],
            "tolerations": [{"key": "gpu", "operator": "Exists"}],
        }
    }

    merged = merge_pod_templates(BASE, "Template t", [("PodDefault p", layer)])

    assert merged == {
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "lab:1",
                    "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                    "volumeMounts": [{"name": "pypi", "mountPath": "/etc/pypi"}],
                    "ports": [{"name": "http-spark", "containerPort": 4040}],
                },
                {"name": "sidecar", "image": "proxy:1"},
            ],
            "volumes": [{"name": "pypi", "secret": {"secretName": "pypi"}}],
            "tolerations": [{"key": "gpu", "operator": "Exists"}],
        }
    }
    assert BASE["spec"]["containers"][0]["env"] == [{"name": "A", "value": "1"}], "the base is not modified"


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            [
                (
                    "PodDefault one",
                    {"spec": {"containers": [{"name": "main", "env": [{"name": "A", "value": "9"}]}]}},
                )
            ],
            "PodDefault one and Template t both set spec.containers[main].env[A].value ('9' vs '1')",
        ),
        (
            [
                (
                    "PodDefault one",
                    {"spec": {"containers": [{"name": "main", "env": [{"name": "M", "value": "x"}]}]}},
                ),
                (
                    "PodDefault two",
                    {"spec": {"containers": [{"name": "main", "env": [{"name": "M", "value": "y"}]}]}},
                ),
            ],
            "PodDefault two and PodDefault one both set spec.containers[main].env[M].value ('y' vs 'x')",
        ),
        (
            [("PodDefault img", {"spec": {"containers": [{"name": "main", "image": "other:2"}]}})],
            "PodDefault img and Template t both set spec.containers[main].image",
        ),
        (
            [
                ("PodDefault sa1", {"spec": {"serviceAccountName": "a"}}),
                ("PodDefault sa2", {"spec": {"serviceAccountName": "b"}}),
            ],
            "PodDefault sa2 and PodDefault sa1 both set spec.serviceAccountName",
        ),
    ],
    ids=["env-vs-template", "env-vs-poddefault", "image", "service-account"],
)
def test_the_same_key_with_another_value_is_a_conflict_that_names_both(layers, message) -> None:
    with pytest.raises(MergeConflict) as conflict:
        merge_pod_templates(BASE, "Template t", layers)
    assert message in str(conflict.value)


def test_the_same_value_twice_is_no_conflict() -> None:
    layer = {
        "spec": {"containers": [{"name": "main", "image": "lab:1", "env": [{"name": "A", "value": "1"}]}]}
    }
    assert merge_pod_templates(BASE, "Template t", [("PodDefault same", layer)]) == BASE
