"""Workspaces through the extension's API, on kwok nodes: sizes in bounds, kept on delete, listed per owner.

The files themselves are proven on the real node (tests/node/test_workspaces.py); here the
claims are made, bound by the provisioner (its helper pod completed by kwok) and listed.
"""

from __future__ import annotations

import asyncio

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import create, template
from tests.extension.conftest import answer_until

TEMPLATE = template(
    "lab",
    workspace={"mountPath": "/home/jovyan", "size": {"default": "2Gi", "min": "1Gi", "max": "10Gi"}},
)
SCRATCH = template("scratch")


_until = answer_until


def _claims(admin: Kube, namespace: str) -> list[str]:
    return sorted(
        c.metadata.name for c in admin.core.list_namespaced_persistent_volume_claim(namespace).items
    )


async def test_the_catalog_shows_each_templates_workspace_or_that_it_has_none(
    api, admin: Kube, namespace: str
) -> None:
    create(admin, namespace, TEMPLATE, SCRATCH)

    code, listed = await api("GET", "templates")

    assert code == 200
    offers = {t["name"]: t.get("workspace") for t in listed["items"] if t["namespace"] == namespace}
    assert offers == {
        "lab": {
            "mountPath": "/home/jovyan",
            "size": {"default": "2Gi", "min": "1Gi", "max": "10Gi"},
            "accessMode": "ReadWriteOnce",
        },
        "scratch": None,
    }


async def test_a_size_out_of_bounds_or_on_a_scratch_template_is_refused_and_nothing_is_made(
    api, admin: Kube, namespace: str
) -> None:
    create(admin, namespace, TEMPLATE, SCRATCH)
    for body, reason, words in (
        (
            {"name": "big", "template": {"name": "lab"}, "workspace": {"size": "11Gi"}},
            "WorkspaceOutOfBounds",
            "Workspace size 11Gi is more than the template's maximum 10Gi",
        ),
        (
            {"name": "tiny", "template": {"name": "lab"}, "workspace": {"size": "1Mi"}},
            "WorkspaceOutOfBounds",
            "less than the template's minimum 1Gi",
        ),
        (
            {"name": "s", "template": {"name": "scratch"}, "workspace": {"size": "1Gi"}},
            "WorkspaceNotOffered",
            "no workspace",
        ),
    ):
        code, answer = await api("POST", "notebooks", body=body)
        assert (code, answer["reason"]) == (422, reason), answer
        assert words in answer["message"]
    assert admin.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks")["items"] == []
    assert _claims(admin, namespace) == []


async def test_a_deleted_notebooks_workspace_is_kept_and_listed_for_its_owner_only(
    api, as_user, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, TEMPLATE)
    code, created = await api("POST", "notebooks", body={"name": "lab", "template": {"name": "lab"}})
    assert code == 201, created

    running = await _until(api, ("notebooks", "lab"), lambda nb: nb["phase"] == "Running")
    assert running["workspace"]["claimName"] == "lab-workspace"
    assert running["workspace"]["size"] == "2Gi" and running["workspace"]["onDelete"] == "Retain"
    listed = await _until(api, ("workspace-claims",), lambda w: bool(w["items"]))
    assert [(w["name"], w["inUse"], w["notebook"]) for w in listed["items"]] == [
        ("lab-workspace", True, "lab")
    ]
    # One in use is deleted only with its notebook
    code, answer = await api("DELETE", "workspace-claims", "lab-workspace")
    assert (code, answer["reason"]) == (409, "WorkspaceInUse")

    # When alice deletes the notebook (keeping its workspace, the default)
    assert (await api("DELETE", "notebooks", "lab"))[0] == 204

    # Then it is listed as kept, and the claim is there
    kept = await _until(api, ("workspace-claims",), lambda w: [x["inUse"] for x in w["items"]] == [False])
    assert kept["items"][0]["notebook"] == "lab"
    assert _claims(admin, namespace) == ["lab-workspace"]
    # And bob sees none of it, and cannot delete it
    as_user("bob")
    assert (await api("GET", "workspace-claims"))[1]["items"] == []
    assert (await api("DELETE", "workspace-claims", "lab-workspace"))[0] == 404

    # When alice deletes it, it goes
    as_user("alice")
    code, answer = await _delete_when_allowed(api, "lab-workspace")
    assert code == 204, answer
    await _until(api, ("workspace-claims",), lambda w: w["items"] == [])


async def _delete_when_allowed(api, name: str, timeout: float = 30):
    # The Role that lets her delete a kept workspace comes a moment after the notebook goes.
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        code, answer = await api("DELETE", "workspace-claims", name)
        if code != 403 or asyncio.get_running_loop().time() > deadline:
            return code, answer
        await asyncio.sleep(0.3)
