"""A notebook runs only what its namespace may use now: its own template's revisions, from the catalog.

Replays of the attacks on templates: a pinned revision of another template,
a template that was withdrawn from the namespace started again, a template
of a namespace outside the catalog used from another one (and its Secret
copied), and the everyday `kubectl apply` that was refused.
"""

from __future__ import annotations

import json

from kubernetes.client import V1Secret

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from devcluster.install import ensure_namespace
from tests.controller.helpers import (
    condition,
    create,
    get_notebook,
    notebook,
    patch_notebook,
    running_pod,
    template,
    wait_phase,
    wait_status,
)
from tests.ownership.scene import Scene, kubectl


def _refused_with(kube: Kube, namespace: str, name: str, reason: str) -> dict:
    return wait_status(
        kube,
        namespace,
        name,
        lambda st: condition(st, "TemplateResolved").get("reason") == reason,
        f"a {reason} condition",
    )


def _statefulsets(kube: Kube, namespace: str) -> list[str]:
    return [s.metadata.name for s in kube.apps.list_namespaced_stateful_set(namespace).items]


def test_a_pinned_revision_must_be_of_the_notebooks_own_template(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # A revision of another template exists in the namespace (made for someone's notebook)
    create(admin, namespace, template("open"), template("gpu-only", image="restricted/gpu:1"))
    create(admin, namespace, notebook("theirs", "gpu-only"))
    revision = wait_phase(admin, namespace, "theirs", "Running")["currentRevision"]

    create(admin, namespace, notebook("mine", "open", updatePolicy="Manual", revision=revision))

    status = _refused_with(admin, namespace, "mine", "RevisionNotOfTemplate")
    assert (
        f"Revision {revision} is a revision of template {namespace}/gpu-only, not of {namespace}/open"
        in (condition(status, "TemplateResolved")["message"])
    )
    assert status["phase"] == "Failed"
    assert "mine" not in _statefulsets(admin, namespace)


def test_a_template_withdrawn_from_the_namespace_does_not_start_again(
    cluster: Cluster, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    cluster.kubectl("label", "namespace", namespace, "team=a")
    create(admin, namespace, template("lab", namespaceSelector={"matchLabels": {"team": "a"}}))
    create(admin, namespace, notebook("nb", "lab"))
    pod = running_pod(admin, namespace, "nb")
    revision = wait_phase(admin, namespace, "nb", "Running")["currentRevision"]

    cluster.kubectl("label", "namespace", namespace, "team=b", "--overwrite")
    _refused_with(admin, namespace, "nb", "TemplateNotAllowed")
    assert running_pod(admin, namespace, "nb").metadata.uid == pod.metadata.uid  # running work is left be

    # Stopped, it stops; started again (also pinned to the revision it ran), it does not start
    patch_notebook(admin, namespace, "nb", {"spec": {"stopped": True}})
    wait_phase(admin, namespace, "nb", "Stopped")
    patch_notebook(
        admin, namespace, "nb", {"spec": {"stopped": False, "updatePolicy": "Manual", "revision": revision}}
    )
    status = wait_status(
        admin, namespace, "nb", lambda st: st.get("phase") == "Failed", "the start to be refused"
    )
    assert condition(status, "TemplateResolved")["reason"] == "TemplateNotAllowed"
    assert admin.apps.read_namespaced_stateful_set("nb", namespace).spec.replicas == 0
    assert not [p for p in admin.core.list_namespaced_pod(namespace).items if p.metadata.name == "nb-0"]


def test_a_template_outside_the_catalog_serves_only_its_own_namespace(
    cluster: Cluster, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # A team's own Template, with a Secret dependency, in a namespace that is not a catalog
    team = f"{namespace}-team"
    ensure_namespace(cluster, team)
    try:
        admin.core.create_namespaced_secret(
            team, V1Secret(metadata={"name": "team-creds"}, string_data={"k": "v"})
        )
        create(
            admin,
            team,
            template("team-lab", dependencies=[{"apiVersion": "v1", "kind": "Secret", "name": "team-creds"}]),
        )
        nb = notebook("nb", "team-lab")
        nb["spec"]["templateRef"]["namespace"] = team
        create(admin, namespace, nb)

        status = _refused_with(admin, namespace, "nb", "TemplateNotAllowed")
        assert (
            f"Template {team}/team-lab serves only namespace {team}"
            in condition(status, "TemplateResolved")["message"]
        )
        assert "team-creds" not in [
            s.metadata.name for s in admin.core.list_namespaced_secret(namespace).items
        ]
        assert "nb" not in _statefulsets(admin, namespace)
    finally:
        cluster.kubectl("delete", "namespace", team, "--wait=false")


def test_kubectl_apply_of_a_new_notebook_works_for_its_owner(lab: Scene) -> None:
    s, admin, namespace = lab, lab.admin, lab.namespace

    assert kubectl(s, "alice", "apply", "-f", "-", input=json.dumps(notebook("mine", "lab"))) == ""
    assert get_notebook(admin, namespace, "mine")["spec"]["owner"] == "alice"
    # And apply again, with a change, once her Role is there; bob's apply of it is refused
    change = notebook("mine", "lab", stopped=True)
    wait_phase(admin, namespace, "mine", "Running")
    assert kubectl(s, "alice", "apply", "-f", "-", input=json.dumps(change)) == ""
    wait_phase(admin, namespace, "mine", "Stopped")
    refusal = kubectl(s, "bob", "apply", "-f", "-", input=json.dumps(notebook("mine", "lab")))
    assert 'User "bob" cannot patch' in refusal
