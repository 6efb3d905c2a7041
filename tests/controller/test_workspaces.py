"""Workspace claims on kwok nodes: refused at admission, made whole or not at all, kept or deleted as asked.

Volumes are bound by the local-path provisioner (its helper pod completed by
kwok); the files themselves are proven on the real node (tests/node/test_workspaces.py).
"""

from __future__ import annotations

import json

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from tests.controller.helpers import (
    condition,
    create,
    notebook,
    template,
    wait_phase,
    wait_status,
)
from tests.eventually import eventually
from tests.extension.conftest import bind_users

BOUNDED = {"size": {"default": "2Gi", "min": "1Gi", "max": "10Gi"}}


def _claims(admin: Kube, namespace: str) -> list[str]:
    return sorted(
        c.metadata.name for c in admin.core.list_namespaced_persistent_volume_claim(namespace).items
    )


def _statefulsets(admin: Kube, namespace: str) -> list[str]:
    return [s.metadata.name for s in admin.apps.list_namespaced_stateful_set(namespace).items]


def _create_as(cluster: Cluster, user: str, namespace: str, obj: dict):
    return cluster.kubectl(
        "create", "-n", namespace, "-f", "-", user=user, input=json.dumps(obj), check=False
    )


def test_a_size_out_of_bounds_is_refused_at_admission_with_the_field_named(
    cluster: Cluster, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    bind_users(cluster, namespace)
    create(admin, namespace, template("lab", workspace=BOUNDED))

    made = _create_as(cluster, "alice", namespace, notebook("big", "lab", workspace={"size": "11Gi"}))

    assert made.returncode != 0
    assert (
        f"spec.workspace.size 11Gi is outside the bounds of template {namespace}/lab: 1Gi to 10Gi"
        in made.stderr
    )
    assert _claims(admin, namespace) == [] and _statefulsets(admin, namespace) == []

    # A size in bounds passes, and growing past the maximum later is refused the same way
    assert (
        _create_as(cluster, "alice", namespace, notebook("ok", "lab", workspace={"size": "4Gi"})).returncode
        == 0
    )
    # (as an admin: alice's own right to patch it comes with her Role, a moment after the create)
    grown = cluster.kubectl(
        "patch",
        "notebook",
        "ok",
        "-n",
        namespace,
        "--type=merge",
        "-p",
        '{"spec": {"workspace": {"size": "20Gi"}}}',
        check=False,
    )
    assert grown.returncode != 0 and "outside the bounds" in grown.stderr


def test_a_missing_storage_class_says_so_and_makes_nothing(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("lab", workspace={"storageClassName": "no-such-class"}))
    create(admin, namespace, notebook("lab", "lab"))

    status = wait_status(
        admin,
        namespace,
        "lab",
        lambda s: condition(s, "TemplateResolved").get("status") == "False",
        "a refusal",
    )

    resolved = condition(status, "TemplateResolved")
    assert resolved["reason"] == "StorageClassNotFound"
    assert "StorageClass no-such-class" in resolved["message"] and "nothing was made" in resolved["message"]
    assert status["phase"] == "Failed"
    assert _claims(admin, namespace) == [] and _statefulsets(admin, namespace) == []


def test_the_workspace_is_made_bound_and_kept_or_deleted_as_its_owner_asked(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("lab", workspace=BOUNDED))
    create(
        admin, namespace, notebook("kept", "lab"), notebook("gone", "lab", workspace={"onDelete": "Delete"})
    )
    for name in ("kept", "gone"):
        status = wait_phase(admin, namespace, name, "Running")
        assert status["workspace"] == {
            "claimName": f"{name}-workspace",
            "mountPath": "/home/jovyan",
            "size": "2Gi",
            "capacity": "2Gi",
            "phase": "Bound",
        }
        assert condition(status, "WorkspaceReady")["reason"] == "Bound"
    pod = admin.core.read_namespaced_pod("kept-0", namespace)
    mounts = {m.mount_path: m.name for m in pod.spec.containers[0].volume_mounts}
    claims = {
        v.name: v.persistent_volume_claim.claim_name for v in pod.spec.volumes if v.persistent_volume_claim
    }
    assert claims[mounts["/home/jovyan"]] == "kept-workspace"
    kept = admin.core.read_namespaced_persistent_volume_claim("kept-workspace", namespace)
    assert kept.metadata.annotations["jackhoman.dev/owner"] == "admin"
    assert not kept.metadata.owner_references
    assert [
        o.kind
        for o in admin.core.read_namespaced_persistent_volume_claim(
            "gone-workspace", namespace
        ).metadata.owner_references
    ] == ["Notebook"]

    admin.custom.delete_namespaced_custom_object("jackhoman.dev", "v1beta1", namespace, "notebooks", "kept")
    admin.custom.delete_namespaced_custom_object("jackhoman.dev", "v1beta1", namespace, "notebooks", "gone")

    eventually(
        lambda: _claims(admin, namespace),
        lambda names: names == ["kept-workspace"],
        timeout=60,
        what="only the Retain workspace to stay",
    )
    # The kept one gets a Role of its own, owned by the claim, for its owner
    role = eventually(
        lambda: admin.rbac.read_namespaced_role("nbctl-workspace-kept-workspace", namespace),
        timeout=30,
        what="the kept workspace's Role",
    )
    assert role.metadata.owner_references[0].kind == "PersistentVolumeClaim"
    assert role.rules[0].resource_names == ["kept-workspace"] and role.rules[0].verbs == ["get", "delete"]


def test_the_controller_never_deletes_a_claim_and_bob_mounts_only_claims_he_may_read(
    cluster: Cluster, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    bind_users(cluster, namespace)
    create(admin, namespace, template("lab", workspace=BOUNDED))
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "team-data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    }
    cluster.kubectl("create", "-n", namespace, "-f", "-", input=json.dumps(claim))

    # The controller holds delete on claims only to grant it
    refused = cluster.kubectl("delete", "pvc", "team-data", "-n", namespace, user="controller", check=False)
    assert refused.returncode != 0 and "never deletes a claim" in refused.stderr

    # bob may not read team-data, so he may not mount it
    data = notebook("peek", "lab", dataVolumes=[{"claimName": "team-data", "mountPath": "/data"}])
    made = _create_as(cluster, "bob", namespace, data)
    assert made.returncode != 0
    assert "bob may not mount PersistentVolumeClaim team-data" in made.stderr
    # an admin may, and the claim is mounted as it is, never written
    create(admin, namespace, data)
    wait_phase(admin, namespace, "peek", "Running")
    pod = admin.core.read_namespaced_pod("peek-0", namespace)
    assert "/data" in [m.mount_path for m in pod.spec.containers[0].volume_mounts]
    after = admin.core.read_namespaced_persistent_volume_claim("team-data", namespace)
    assert not (after.metadata.labels or {}).get("jackhoman.dev/workspace")
    # (binding it to a volume is the provisioner's write, not ours)
    assert "nbctl-controller" not in {m.manager for m in after.metadata.managed_fields}
