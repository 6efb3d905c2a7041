"""A notebook belongs to its owner, and the API server itself says so.

Bob, in a namespace where both he and alice may create notebooks, tries every
way in to alice's notebook. Each is refused with a message, and afterwards
her notebook, its pod and its children are exactly as they were. Alice may
do what an owner does; an admin may transfer the notebook to bob.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import create, notebook, running_pod, template, wait_phase
from tests.eventually import eventually
from tests.ownership.scene import Scene, bind_users, kubectl, owner_access_ready

NB = "alice-nb"


@pytest.fixture
def scene(lab: Scene) -> Scene:
    create(lab.alice, lab.namespace, notebook(NB, "lab"))
    running_pod(lab.admin, lab.namespace, NB)
    wait_phase(lab.admin, lab.namespace, NB, "Running")
    eventually(lambda: owner_access_ready(lab, "alice", NB), what="alice's access to her notebook")
    return lab


def _fingerprint(s: Scene) -> dict[str, tuple[str, str]]:
    ns = s.namespace
    nb = s.admin.custom.get_namespaced_custom_object(GROUP, VERSION, ns, "notebooks", NB)["metadata"]
    objects = {
        "notebook": (nb["uid"], nb["resourceVersion"]),
        "pod": s.admin.core.read_namespaced_pod(f"{NB}-0", ns).metadata,
        "statefulset": s.admin.apps.read_namespaced_stateful_set(NB, ns).metadata,
        "service": s.admin.core.read_namespaced_service(NB, ns).metadata,
        "role": s.admin.rbac.read_namespaced_role(f"nbctl-notebook-{NB}", ns).metadata,
        "rolebinding": s.admin.rbac.read_namespaced_role_binding(f"nbctl-notebook-{NB}", ns).metadata,
    }
    return {k: v if isinstance(v, tuple) else (v.uid, v.resource_version) for k, v in objects.items()}


def _notebook_manifest(s: Scene) -> str:
    body = s.admin.custom.get_namespaced_custom_object(GROUP, VERSION, s.namespace, "notebooks", NB)
    body["spec"]["stopped"] = True
    for key in ("managedFields", "creationTimestamp", "generation", "uid"):
        body["metadata"].pop(key, None)
    body.pop("status", None)
    return json.dumps(body)


ATTACKS: dict[str, Callable[[Scene, str], str]] = {
    "pod logs": lambda s, u: kubectl(s, u, "logs", f"{NB}-0"),
    "exec": lambda s, u: kubectl(s, u, "exec", f"{NB}-0", "--", "id"),
    "port-forward": lambda s, u: kubectl(
        s, u, "port-forward", "--pod-running-timeout=5s", f"pod/{NB}-0", ":8888"
    ),
    "service proxy": lambda s, u: kubectl(
        s, u, "get", "--raw", f"/api/v1/namespaces/{s.namespace}/services/{NB}:80/proxy/"
    ),
    "merge patch of spec": lambda s, u: kubectl(
        s, u, "patch", "notebook", NB, "--type=merge", "-p", '{"spec":{"stopped":true}}'
    ),
    "json patch of owner": lambda s, u: kubectl(
        s,
        u,
        "patch",
        "notebook",
        NB,
        "--type=json",
        "-p",
        f'[{{"op":"replace","path":"/spec/owner","value":"{u}"}}]',
    ),
    "update of status": lambda s, u: kubectl(
        s,
        u,
        "patch",
        "notebook",
        NB,
        "--subresource=status",
        "--type=merge",
        "-p",
        '{"status":{"phase":"Failed"}}',
    ),
    "kubectl replace": lambda s, u: kubectl(s, u, "replace", "-f", "-", input=_notebook_manifest(s)),
    "server-side apply with force": lambda s, u: kubectl(
        s,
        u,
        "apply",
        "--server-side",
        "--force-conflicts",
        "--field-manager=attacker",
        "-f",
        "-",
        input=_notebook_manifest(s),
    ),
    "delete": lambda s, u: kubectl(s, u, "delete", "notebook", NB, "--wait=false"),
    "delete one by one (kubectl delete --all)": lambda s, u: kubectl(
        s, u, "delete", "notebooks", "--all", "--wait=false"
    ),
    # kubectl delete --all deletes one by one; this is the one DELETE of the collection.
    "deletecollection": lambda s, u: kubectl(
        s, u, "delete", "--raw", f"/apis/{GROUP}/{VERSION}/namespaces/{s.namespace}/notebooks"
    ),
    "create claiming another owner": lambda s, u: kubectl(
        s,
        u,
        "create",
        "-f",
        "-",
        input=json.dumps(
            notebook("claimed", "lab") | {"spec": {"templateRef": {"name": "lab"}, "owner": "alice"}}
        ),
    ),
}
NOTEBOOK_WRITES = [
    "merge patch of spec",
    "json patch of owner",
    "update of status",
    "kubectl replace",
    "server-side apply with force",
    "delete",
    "delete one by one (kubectl delete --all)",
    "deletecollection",
    "create claiming another owner",
]


@pytest.mark.parametrize("attack", list(ATTACKS))
def test_bob_is_refused_every_way_into_alices_notebook(scene: Scene, attack: str) -> None:
    before = _fingerprint(scene)

    refusal = ATTACKS[attack](scene, "bob")

    assert refusal, f"bob's {attack} was allowed"
    assert "forbidden" in refusal.lower() or "cannot" in refusal.lower(), refusal
    assert _fingerprint(scene) == before
    notebooks = scene.admin.custom.list_namespaced_custom_object(GROUP, VERSION, scene.namespace, "notebooks")
    assert [nb["metadata"]["name"] for nb in notebooks["items"]] == [NB]


@pytest.mark.parametrize("attack", NOTEBOOK_WRITES)
def test_the_policy_refuses_bob_even_with_the_builtin_edit_role(scene: Scene, attack: str) -> None:
    # Given the optional aggregation, bob's `edit` lets RBAC allow all notebook writes
    scene.cluster.kubectl("apply", "-f", str(_aggregate()))
    bind_users(scene.cluster, scene.namespace, role="edit")
    # and, so that RBAC allows even status writes, a role that grants them
    status_writer = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": {"name": "status-writer", "namespace": scene.namespace},
        "rules": [
            {"apiGroups": [GROUP], "resources": ["notebooks/status"], "verbs": ["get", "patch", "update"]}
        ],
    }
    scene.cluster.kubectl("apply", "-f", "-", input=json.dumps(status_writer))
    bind_users(scene.cluster, scene.namespace, role="status-writer", kind="Role")
    eventually(
        lambda: kubectl(scene, "bob", "auth", "can-i", "delete", "notebooks"),
        lambda e: e == "",
        what="edit to include notebooks",
    )
    before = _fingerprint(scene)

    refusal = ATTACKS[attack](scene, "bob")

    assert refusal, f"bob's {attack} was allowed"
    assert "belongs to" in refusal or "cannot create one owned by alice" in refusal, refusal
    assert _fingerprint(scene) == before


def _aggregate():
    from devcluster.install import RBAC

    return RBAC / "aggregate" / "to-edit-and-admin.yaml"


@pytest.mark.parametrize("action", ["pod logs", "exec", "port-forward", "service proxy"])
def test_alice_passes_authorization_for_her_own_pod(scene: Scene, action: str) -> None:
    # No container runtime runs here, so the request fails after authorization
    # (the fake kubelet does not answer); what matters is that it got past RBAC.
    result = ATTACKS[action](scene, "alice")
    assert "forbidden" not in result.lower(), result


def test_alice_changes_and_deletes_her_notebook_and_its_access_goes_with_it(scene: Scene) -> None:
    assert (
        kubectl(scene, "alice", "patch", "notebook", NB, "--type=merge", "-p", '{"spec":{"stopped":true}}')
        == ""
    )
    wait_phase(scene.admin, scene.namespace, NB, "Stopped")
    refusal = kubectl(
        scene,
        "alice",
        "patch",
        "notebook",
        NB,
        "--type=json",
        "-p",
        '[{"op":"replace","path":"/spec/owner","value":"bob"}]',
    )
    assert "only an admin can transfer" in refusal

    assert kubectl(scene, "alice", "delete", "notebook", NB) == ""

    eventually(
        lambda: [r.metadata.name for r in scene.admin.rbac.list_namespaced_role(scene.namespace).items],
        lambda roles: roles == [],
        what="the owner's Role to go with the notebook",
    )
    eventually(
        lambda: scene.admin.rbac.list_namespaced_role_binding(scene.namespace).items,
        lambda bindings: [b.metadata.name for b in bindings] == ["users-nbctl-user"],
        what="the owner's RoleBinding to go with the notebook",
    )


def test_an_admin_transfers_the_notebook_and_the_access_follows(scene: Scene) -> None:
    assert (
        kubectl(scene, "admin", "patch", "notebook", NB, "--type=merge", "-p", '{"spec":{"owner":"bob"}}')
        == ""
    )

    eventually(
        lambda: kubectl(scene, "bob", "auth", "can-i", "patch", f"notebook/{NB}"),
        lambda e: e == "",
        what="bob to hold the notebook's RBAC",
    )
    assert kubectl(scene, "alice", "auth", "can-i", "patch", f"notebook/{NB}") != ""
    assert (
        kubectl(scene, "bob", "patch", "notebook", NB, "--type=merge", "-p", '{"spec":{"stopped":true}}')
        == ""
    )
    assert 'User "alice" cannot delete' in kubectl(scene, "alice", "delete", "notebook", NB, "--wait=false")


def test_the_controller_may_grant_exec_but_never_use_it(scene: Scene) -> None:
    refusal = kubectl(scene, "controller", "exec", f"{NB}-0", "--", "id")
    assert "may grant exec but never use it" in refusal


def test_deleting_the_namespace_completes(scene: Scene) -> None:
    scene.cluster.kubectl("delete", "namespace", scene.namespace, "--timeout=90s")
    result = scene.cluster.kubectl("get", "namespace", scene.namespace, check=False)
    assert "NotFound" in result.stderr


def test_a_notebook_created_while_the_controller_is_stopped_still_gets_its_owner(
    cluster: Cluster, admin: Kube, alice: Kube, controller: ControllerProcess, namespace: str
) -> None:
    bind_users(cluster, namespace)
    create(admin, namespace, template("lab"))
    controller.stop()
    try:
        create(alice, namespace, notebook("while-down", "lab"))
        body = admin.custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", "while-down")
        assert body["spec"]["owner"] == "alice"
    finally:
        controller.start()
    wait_phase(admin, namespace, "while-down", "Running")
