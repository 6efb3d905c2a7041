"""A notebook's children are its own: never someone else's object, never a stranger's, never left over.

Each test replays an attack that worked before the controller checked whose
an object is (issue: "close the holes between names, revisions, quantities
and the network"): a notebook named after an existing Service, a stopped
notebook named after someone's pod, a notebook deleted with
--cascade=orphan and another user's notebook of the same name, users with
`edit` writing the children, and someone else's change to what the
controller owns. Each is refused or undone, and the victim's objects keep
their UIDs, resourceVersions and specs.
"""

from __future__ import annotations

import json

import pytest

from devcluster.controller import ControllerProcess
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import (
    condition,
    get_notebook,
    notebook,
    running_pod,
    wait_phase,
    wait_status,
)
from tests.eventually import eventually
from tests.ownership.scene import Scene, bind_users, kubectl, owner_access_ready


@pytest.fixture
def scene(lab: Scene) -> Scene:
    return lab


def _as(s: Scene, user: str, doc: dict) -> str:
    return kubectl(s, user, "create", "-f", "-", input=json.dumps(doc))


def _refused_with(s: Scene, name: str, reason: str) -> dict:
    return wait_status(
        s.admin,
        s.namespace,
        name,
        lambda st: condition(st, "TemplateResolved").get("reason") == reason,
        f"a {reason} condition",
    )


def _service(name: str, selector: dict[str, str]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name},
        "spec": {"selector": selector, "ports": [{"port": 80, "targetPort": 8080}]},
    }


def _pod(name: str, labels: dict[str, str]) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels},
        "spec": {"containers": [{"name": "worker", "image": "training:1"}]},
    }


def _may_exec(s: Scene, user: str, pod: str) -> bool:
    return kubectl(s, user, "auth", "can-i", "create", f"pods/{pod}", "--subresource=exec") == ""


def _snapshot(obj) -> tuple:
    return (obj.metadata.uid, obj.metadata.resource_version, json.dumps(obj.spec.to_dict(), sort_keys=True))


def test_a_notebook_named_after_a_service_leaves_the_service_alone(scene: Scene) -> None:
    s = scene
    s.cluster.kubectl(
        "-n", s.namespace, "create", "-f", "-", input=json.dumps(_service("web", {"app": "web"}))
    )
    before = _snapshot(s.admin.core.read_namespaced_service("web", s.namespace))

    assert _as(s, "alice", notebook("web", "lab")) == ""

    status = _refused_with(s, "web", "NameTaken")
    message = condition(status, "TemplateResolved")["message"]
    assert f"Service {s.namespace}/web already exists and was not made by jupyter-nbctl" in message
    assert status["phase"] == "Failed"
    assert "web" not in [
        x.metadata.name for x in s.admin.apps.list_namespaced_stateful_set(s.namespace).items
    ]
    assert _snapshot(s.admin.core.read_namespaced_service("web", s.namespace)) == before

    # Deleting the notebook takes nothing of the Service's with it
    assert kubectl(s, "alice", "delete", "notebook", "web") == ""
    eventually(
        lambda: [
            n["metadata"]["name"]
            for n in s.admin.custom.list_namespaced_custom_object(GROUP, VERSION, s.namespace, "notebooks")[
                "items"
            ]
        ],
        lambda names: "web" not in names,
        what="the notebook to go",
    )
    assert _snapshot(s.admin.core.read_namespaced_service("web", s.namespace)) == before


def test_a_stopped_notebook_gives_no_rights_on_a_pod_of_its_name(scene: Scene) -> None:
    s = scene
    # A training job's worker, of someone else, named as a notebook "job"'s pod would be
    s.cluster.kubectl(
        "-n", s.namespace, "create", "-f", "-", input=json.dumps(_pod("job-0", {"app": "train"}))
    )
    eventually(
        lambda: s.admin.core.read_namespaced_pod("job-0", s.namespace).status.phase,
        lambda phase: phase == "Running",
        what="the worker to run",
    )

    assert _as(s, "alice", notebook("job", "lab", stopped=True)) == ""
    wait_phase(s.admin, s.namespace, "job", "Stopped")
    eventually(lambda: owner_access_ready(s, "alice", "job"), what="alice's Role for her notebook")

    assert not _may_exec(s, "alice", "job-0")
    for args in (("logs", "job-0"), ("exec", "job-0", "--", "id")):
        assert "forbidden" in kubectl(s, "alice", *args).lower(), f"alice may {args[0]} someone else's pod"
    # Started, the notebook's own pod cannot be made while the worker holds the name: still no rights
    assert (
        kubectl(s, "alice", "patch", "notebook", "job", "--type=merge", "-p", '{"spec":{"stopped":false}}')
        == ""
    )
    wait_phase(s.admin, s.namespace, "job", "Pending")
    assert not _may_exec(s, "alice", "job-0")
    assert "forbidden" in kubectl(s, "alice", "exec", "job-0", "--", "id").lower()


def test_a_notebook_never_adopts_what_an_earlier_one_of_its_name_left(scene: Scene) -> None:
    s = scene
    # Alice's notebook, deleted with --cascade=orphan: its StatefulSet, pod and Service stay behind
    assert _as(s, "alice", notebook("lab", "lab")) == ""
    first_pod = running_pod(s.admin, s.namespace, "lab")
    wait_phase(s.admin, s.namespace, "lab", "Running")
    eventually(lambda: _may_exec(s, "alice", "lab-0"), what="alice's rights on her pod")
    first_key = s.admin.core.read_namespaced_secret("nbctl-notebook-lab", s.namespace)
    assert kubectl(s, "alice", "delete", "notebook", "lab", "--cascade=orphan") == ""

    # Her rights go with the notebook, though its pod stays
    eventually(lambda: not _may_exec(s, "alice", "lab-0"), what="alice's rights to go with her notebook")
    assert s.admin.core.read_namespaced_pod("lab-0", s.namespace).metadata.uid == first_pod.metadata.uid

    # Bob's notebook of the same name gets a fresh pod and bindings of its own
    assert _as(s, "bob", notebook("lab", "lab")) == ""
    pod = eventually(
        lambda: running_pod(s.admin, s.namespace, "lab"),
        lambda p: p.metadata.uid != first_pod.metadata.uid,
        what="a fresh pod for bob's notebook",
    )
    nb = get_notebook(s.admin, s.namespace, "lab")
    sts = s.admin.apps.read_namespaced_stateful_set("lab", s.namespace)
    assert [o.uid for o in sts.metadata.owner_references] == [nb["metadata"]["uid"]]
    assert [o.uid for o in pod.metadata.owner_references] == [sts.metadata.uid]
    binding = s.admin.rbac.read_namespaced_role_binding("nbctl-notebook-lab", s.namespace)
    assert [x.name for x in binding.subjects] == ["bob"]
    # And a key of its own: what alice knew of the old one opens nothing of bob's
    key = s.admin.core.read_namespaced_secret("nbctl-notebook-lab", s.namespace)
    assert [o.uid for o in key.metadata.owner_references] == [nb["metadata"]["uid"]]
    assert key.data != first_key.data
    assert not _may_exec(s, "alice", "lab-0")
    eventually(lambda: _may_exec(s, "bob", "lab-0"), what="bob's rights on his pod")


def _children(s: Scene, name: str) -> dict[str, tuple]:
    ns, a = s.namespace, s.admin
    return {
        "statefulset": _snapshot(a.apps.read_namespaced_stateful_set(name, ns)),
        "pod": _snapshot(a.core.read_namespaced_pod(f"{name}-0", ns)),
        "service": _snapshot(a.core.read_namespaced_service(name, ns)),
        "role": (lambda r: (r.metadata.uid, r.metadata.resource_version))(
            a.rbac.read_namespaced_role(f"nbctl-notebook-{name}", ns)
        ),
        "rolebinding": (lambda r: (r.metadata.uid, r.metadata.resource_version))(
            a.rbac.read_namespaced_role_binding(f"nbctl-notebook-{name}", ns)
        ),
        "key": (lambda r: (r.metadata.uid, r.metadata.resource_version, json.dumps(r.data, sort_keys=True)))(
            a.core.read_namespaced_secret(f"nbctl-notebook-{name}", ns)
        ),
    }


CHILDREN = {
    "statefulset": ("statefulset", "alice-nb", "apps/v1", "apps", "statefulsets"),
    "pod": ("pod", "alice-nb-0", "v1", "", "pods"),
    "service": ("service", "alice-nb", "v1", "", "services"),
    "role": (
        "role",
        "nbctl-notebook-alice-nb",
        "rbac.authorization.k8s.io/v1",
        "rbac.authorization.k8s.io",
        "roles",
    ),
    "rolebinding": (
        "rolebinding",
        "nbctl-notebook-alice-nb",
        "rbac.authorization.k8s.io/v1",
        "rbac.authorization.k8s.io",
        "rolebindings",
    ),
    # The notebook's key: `edit` reads Secrets (docs/ownership.md, "Limits"), but may not change it.
    "key": ("secret", "nbctl-notebook-alice-nb", "v1", "", "secrets"),
}


def _collection(s: Scene, child: str) -> str:
    _, _, api_version, group, plural = CHILDREN[child]
    base = f"/api/{api_version}" if not group else f"/apis/{api_version}"
    return f"{base}/namespaces/{s.namespace}/{plural}"


def _forged(s: Scene, child: str) -> dict:
    kind = CHILDREN[child][0]
    obj = json.loads(
        s.cluster.kubectl("-n", s.namespace, "get", kind, CHILDREN[child][1], "-o", "json").stdout
    )
    meta = obj["metadata"]
    obj["metadata"] = {"name": "forged-" + meta["name"], "labels": meta["labels"]}
    obj.pop("status", None)
    if child == "pod":
        obj["spec"].pop("nodeName", None)
    if child == "service":
        obj["spec"].pop("clusterIP", None)
        obj["spec"].pop("clusterIPs", None)
    return obj


VERBS = {
    "patch": lambda s, c: kubectl(s, "bob", "label", CHILDREN[c][0], CHILDREN[c][1], "stolen=yes"),
    "replace": lambda s, c: kubectl(
        s,
        "bob",
        "replace",
        "-f",
        "-",
        input=s.cluster.kubectl(
            "-n", s.namespace, "get", CHILDREN[c][0], CHILDREN[c][1], "-o", "json"
        ).stdout,
    ),
    "delete": lambda s, c: kubectl(s, "bob", "delete", CHILDREN[c][0], CHILDREN[c][1], "--wait=false"),
    "deletecollection": lambda s, c: kubectl(s, "bob", "delete", "--raw", _collection(s, c)),
    "create with the controller's labels": lambda s, c: kubectl(
        s, "bob", "create", "-f", "-", input=json.dumps(_forged(s, c))
    ),
}


@pytest.fixture
def alices_running(scene: Scene) -> Scene:
    s = scene
    bind_users(s.cluster, s.namespace, role="edit")  # bob and alice hold Kubernetes' `edit`
    assert _as(s, "alice", notebook("alice-nb", "lab")) == ""
    running_pod(s.admin, s.namespace, "alice-nb")
    wait_phase(s.admin, s.namespace, "alice-nb", "Running")
    eventually(lambda: _may_exec(s, "alice", "alice-nb-0"), what="alice's rights on her pod")
    return s


@pytest.mark.parametrize("child", list(CHILDREN))
def test_a_user_with_edit_cannot_write_a_notebooks_children(alices_running: Scene, child: str) -> None:
    s = alices_running
    before = _children(s, "alice-nb")

    for verb, attack in VERBS.items():
        refusal = attack(s, child)

        assert refusal, f"bob's {verb} of alice's {child} was allowed"
        assert "made and kept by the notebook controller" in refusal or "cannot" in refusal, (verb, refusal)
        assert _children(s, "alice-nb") == before, verb
    names = [x.metadata.name for x in s.admin.core.list_namespaced_pod(s.namespace).items]
    names += [x.metadata.name for x in s.admin.apps.list_namespaced_stateful_set(s.namespace).items]
    assert not [n for n in names if n.startswith("forged-")]


def test_someone_elses_change_to_what_the_controller_owns_is_put_back(
    scene: Scene, controller: ControllerProcess
) -> None:
    s = scene
    assert _as(s, "alice", notebook("lab", "lab")) == ""
    wait_phase(s.admin, s.namespace, "lab", "Running")
    image = (
        s.admin.apps.read_namespaced_stateful_set("lab", s.namespace).spec.template.spec.containers[0].image
    )

    # An admin changes the image, the Service's selector and the RoleBinding's subjects, and adds a label
    ns = ["-n", s.namespace]
    s.cluster.kubectl(*ns, "set", "image", "statefulset/lab", "main=attacker/miner:1")
    s.cluster.kubectl(
        *ns,
        "patch",
        "service",
        "lab",
        "--type=merge",
        "-p",
        '{"spec":{"selector":{"jackhoman.dev/notebook":"other"}}}',
    )
    s.cluster.kubectl(
        *ns,
        "patch",
        "rolebinding",
        "nbctl-notebook-lab",
        "--type=json",
        "-p",
        '[{"op":"add","path":"/subjects/-","value":{"kind":"User","name":"mallory",'
        '"apiGroup":"rbac.authorization.k8s.io"}}]',
    )
    s.cluster.kubectl(*ns, "label", "statefulset", "lab", "team=data")

    # The controller puts back what it owns within seconds; the label stays
    eventually(
        lambda: (
            s.admin.apps.read_namespaced_stateful_set("lab", s.namespace)
            .spec.template.spec.containers[0]
            .image
        ),
        lambda now: now == image,
        timeout=10,
        what="the image to be put back",
    )
    eventually(
        lambda: s.admin.core.read_namespaced_service("lab", s.namespace).spec.selector,
        lambda sel: sel.get("jackhoman.dev/notebook") == "lab",
        timeout=10,
        what="the Service's selector to be put back",
    )
    eventually(
        lambda: [
            x.name
            for x in s.admin.rbac.read_namespaced_role_binding("nbctl-notebook-lab", s.namespace).subjects
        ],
        lambda names: names == ["alice"],
        timeout=10,
        what="the RoleBinding's subjects to be put back",
    )
    assert s.admin.apps.read_namespaced_stateful_set("lab", s.namespace).metadata.labels["team"] == "data"

    # And, settled, the controller writes nothing more, also after a restart (which applies each object
    # someone else wrote once more: a no-op, since what it owns is as it means it)
    wait_phase(s.admin, s.namespace, "lab", "Running")
    controller.restart()
    reconciles, writes = controller.settled()
    assert writes <= 3
    before = len(s.cluster.controller_writes())
    for index in range(3):  # reconciles, with nothing to change
        s.cluster.kubectl(*ns, "label", "notebook", "lab", f"touch={index}", "--overwrite")
    controller.settled(at_least=reconciles + 3)
    more = [
        f"{w['verb']} {w['requestURI']}"
        for w in s.cluster.controller_writes()[before:]
        if f"/namespaces/{s.namespace}/" in w["requestURI"]
    ]
    assert more == []


@pytest.mark.parametrize(
    "attack",
    [
        ("exec", "alice-nb-0", "--", "id"),
        ("port-forward", "--pod-running-timeout=5s", "pod/alice-nb-0", ":8888"),
        ("get", "--raw", "/api/v1/namespaces/{ns}/services/alice-nb:80/proxy/"),
        ("get", "--raw", "/api/v1/namespaces/{ns}/pods/alice-nb-0/proxy/"),
    ],
    ids=["exec", "port-forward", "service proxy", "pod proxy"],
)
def test_edit_does_not_reach_into_someone_elses_notebook(alices_running: Scene, attack: tuple) -> None:
    s = alices_running
    args = [a.format(ns=s.namespace) for a in attack]
    # RBAC allows it: bob holds `edit`
    assert kubectl(s, "bob", "auth", "can-i", "create", "pods/alice-nb-0", "--subresource=exec") == ""

    refusal = kubectl(s, "bob", *args)

    assert "is the notebook alice-nb of alice: only its owner may reach it" in refusal, refusal
    # Alice, the owner, passes admission (the connection itself may then fail on a kwok node)
    assert "only its owner may reach it" not in kubectl(s, "alice", *args)
