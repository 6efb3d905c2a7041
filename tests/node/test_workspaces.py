"""Workspaces on the real node: files that survive stop, start, update and resize, and stay their owner's.

Alice launches through the extension's API, as the panel does, and writes
through her notebook's own Jupyter contents API, over the gateway. The
volumes are real directories made by the local-path provisioner on the real
node (devcluster/storage.py).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from devcluster.jupyter import JupyterServer
from devcluster.storage import FIXED_STORAGE_CLASS
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import get_notebook, patch_template, wait_phase
from tests.eventually import eventually
from tests.node.jupyter import NotebookClient, Refused, extension_api, open_notebook


def _serving(server: JupyterServer, name: str, timeout: float = 150) -> NotebookClient:
    client = open_notebook(server, name, timeout)
    eventually(lambda: client.status().status_code, lambda code: code == 200, what="api/status to answer")
    return client


def _pod_uid(admin: Kube, namespace: str, name: str) -> str:
    return admin.core.read_namespaced_pod(f"{name}-0", namespace).metadata.uid


def _claim(admin: Kube, namespace: str, name: str) -> Any:
    return admin.core.read_namespaced_persistent_volume_claim(name, namespace)


def _claims(admin: Kube, namespace: str) -> list[str]:
    return sorted(
        c.metadata.name for c in admin.core.list_namespaced_persistent_volume_claim(namespace).items
    )


def _restart(server: JupyterServer, admin: Kube, namespace: str, name: str) -> NotebookClient:
    extension_api(server, "POST", f"/notebooks/{name}/stop")
    wait_phase(admin, namespace, name, "Stopped", timeout=90)
    extension_api(server, "POST", f"/notebooks/{name}/start")
    return _serving(server, name)


def test_files_survive_stop_start_a_template_update_and_a_resize(
    admin: Kube, gateway_controller: ControllerProcess, lab_namespace: str, alices_server: JupyterServer
) -> None:
    # Given alice's new notebook, with the template's default workspace
    extension_api(alices_server, "POST", "/notebooks", {"name": "keep", "template": {"name": "jupyterlab"}})
    client = _serving(alices_server, "keep")
    view = extension_api(alices_server, "GET", "/notebooks/keep")
    assert view["workspace"]["claimName"] == "keep-workspace"
    assert view["workspace"]["mountPath"] == "/home/jovyan"
    assert view["workspace"]["ready"] is True, view["workspace"]
    claim = _claim(admin, lab_namespace, "keep-workspace")
    assert claim.status.phase == "Bound" and claim.spec.storage_class_name == "local-path"

    # When she writes a file through her notebook's own Jupyter
    client.put_file("hello.txt", "hello from alice\n")
    first = _pod_uid(admin, lab_namespace, "keep")

    # Then after a stop and a start, a new pod serves the same file
    client = _restart(alices_server, admin, lab_namespace, "keep")
    assert _pod_uid(admin, lab_namespace, "keep") != first
    assert client.get_file("hello.txt").json()["content"] == "hello from alice\n"

    # And after a template update, taken at the next start (a new revision)
    before = get_notebook(admin, lab_namespace, "keep")["status"]["currentRevision"]
    patch_template(
        admin,
        lab_namespace,
        "jupyterlab",
        {"spec": {"template": {"metadata": {"annotations": {"rev": "2"}}}}},
    )
    eventually(
        lambda: extension_api(alices_server, "GET", "/notebooks/keep"),
        lambda v: v["updateAvailable"],
        timeout=60,
        what="the update to be offered",
    )
    client = _restart(alices_server, admin, lab_namespace, "keep")
    assert get_notebook(admin, lab_namespace, "keep")["status"]["currentRevision"] != before
    assert client.get_file("hello.txt").json()["content"] == "hello from alice\n"

    # And after a resize, which restarts it
    second = _pod_uid(admin, lab_namespace, "keep")
    extension_api(
        alices_server, "POST", "/notebooks/keep/resize", {"resources": {"cpu": "1", "memory": "2Gi"}}
    )
    eventually(
        lambda: _pod_uid(admin, lab_namespace, "keep"),
        lambda uid: uid != second,
        timeout=90,
        what="the resized notebook's new pod",
    )
    client = _serving(alices_server, "keep")
    assert client.get_file("hello.txt").json()["content"] == "hello from alice\n"
    # The workspace was the same claim all along
    assert _claim(admin, lab_namespace, "keep-workspace").metadata.uid == claim.metadata.uid


def test_a_kept_workspace_is_reattached_and_deleted_only_by_its_owner(
    cluster: Cluster,
    admin: Kube,
    gateway_controller: ControllerProcess,
    lab_namespace: str,
    alices_server: JupyterServer,
    bobs_server: JupyterServer,
) -> None:
    extension_api(alices_server, "POST", "/notebooks", {"name": "first", "template": {"name": "jupyterlab"}})
    _serving(alices_server, "first").put_file("hello.txt", "kept\n")

    # When alice deletes the notebook and keeps its workspace (the default)
    extension_api(alices_server, "DELETE", "/notebooks/first")
    eventually(
        lambda: extension_api(alices_server, "GET", "/workspace-claims")["items"],
        lambda items: (
            [(w["name"], w["inUse"], w["notebook"]) for w in items] == [("first-workspace", False, "first")]
        ),
        timeout=60,
        what="the workspace to be listed as kept from first",
    )
    kept = _claim(admin, lab_namespace, "first-workspace")

    # Then bob can neither mount it as his home, nor as a data volume, nor delete it
    for body in (
        {
            "name": "steal",
            "template": {"name": "jupyterlab"},
            "workspace": {"existingClaim": "first-workspace"},
        },
        {
            "name": "steal",
            "template": {"name": "jupyterlab"},
            "dataVolumes": [{"claimName": "first-workspace", "mountPath": "/data"}],
        },
    ):
        with pytest.raises(Refused) as refused:
            extension_api(bobs_server, "POST", "/notebooks", body)
        assert refused.value.status == 403
        assert (
            "first-workspace is a workspace of alice: bob may not mount it" in refused.value.body["message"]
        )
    # Nor by naming his notebook so that its workspace would be hers
    with pytest.raises(Refused) as refused:
        extension_api(
            bobs_server, "POST", "/notebooks", {"name": "first", "template": {"name": "jupyterlab"}}
        )
    assert refused.value.status == 422 and "a workspace of alice" in refused.value.body["message"]
    deleted = cluster.kubectl(
        "delete", "pvc", "first-workspace", "-n", lab_namespace, user="bob", check=False
    )
    assert deleted.returncode != 0 and "forbidden" in deleted.stderr.lower()
    assert extension_api(bobs_server, "GET", "/workspace-claims")["items"] == []
    unchanged = _claim(admin, lab_namespace, "first-workspace")
    assert (unchanged.metadata.uid, unchanged.metadata.resource_version) == (
        kept.metadata.uid,
        kept.metadata.resource_version,
    )
    assert extension_api(bobs_server, "GET", "/notebooks")["items"] == []

    # When alice launches a new notebook reattaching it
    extension_api(
        alices_server,
        "POST",
        "/notebooks",
        {
            "name": "second",
            "template": {"name": "jupyterlab"},
            "workspace": {"existingClaim": "first-workspace"},
        },
    )
    # Then her file is there
    client = _serving(alices_server, "second")
    assert client.get_file("hello.txt").json()["content"] == "kept\n"
    assert (
        extension_api(alices_server, "GET", "/notebooks/second")["workspace"]["claimName"]
        == "first-workspace"
    )
    listed = extension_api(alices_server, "GET", "/workspace-claims")["items"]
    assert [(w["name"], w["inUse"], w["notebook"]) for w in listed] == [("first-workspace", True, "second")]

    # When she deletes that notebook with its workspace
    extension_api(alices_server, "DELETE", "/notebooks/second?workspace=delete")
    # Then the claim goes too
    eventually(
        lambda: _claims(admin, lab_namespace),
        lambda names: "first-workspace" not in names,
        timeout=90,
        what="the workspace to be deleted with its notebook",
    )
    assert extension_api(alices_server, "GET", "/workspace-claims")["items"] == []


def test_a_workspace_grows_without_a_restart_and_never_shrinks(
    admin: Kube, gateway_controller: ControllerProcess, lab_namespace: str, alices_server: JupyterServer
) -> None:
    extension_api(
        alices_server,
        "POST",
        "/notebooks",
        {"name": "grow", "template": {"name": "jupyterlab"}, "workspace": {"size": "1Gi"}},
    )
    _serving(alices_server, "grow")
    pod = _pod_uid(admin, lab_namespace, "grow")

    # When alice grows her workspace from 1Gi to 2Gi
    extension_api(alices_server, "POST", "/notebooks/grow/resize", {"workspace": {"size": "2Gi"}})

    # Then the claim grows, the notebook says so, and its pod was not restarted
    eventually(
        lambda: extension_api(alices_server, "GET", "/notebooks/grow")["workspace"],
        lambda ws: ws["capacity"] == "2Gi" and ws["ready"],
        timeout=60,
        what="the workspace to have grown to 2Gi",
    )
    assert _claim(admin, lab_namespace, "grow-workspace").status.capacity["storage"] == "2Gi"
    assert _pod_uid(admin, lab_namespace, "grow") == pod

    # And a smaller size is refused, by the extension and by the API server
    with pytest.raises(Refused) as refused:
        extension_api(alices_server, "POST", "/notebooks/grow/resize", {"workspace": {"size": "1Gi"}})
    assert refused.value.status == 422 and "only grows" in refused.value.body["message"]
    with pytest.raises(Exception, match="cannot shrink"):
        admin.custom.patch_namespaced_custom_object(
            GROUP, VERSION, lab_namespace, "notebooks", "grow", {"spec": {"workspace": {"size": "1Gi"}}}
        )
    # And out of the template's bounds is refused too
    with pytest.raises(Refused) as refused:
        extension_api(alices_server, "POST", "/notebooks/grow/resize", {"workspace": {"size": "10Ti"}})
    assert refused.value.status == 422 and "maximum" in refused.value.body["message"]


def test_a_class_that_cannot_grow_says_so_and_the_notebook_runs_on(
    cluster: Cluster, admin: Kube, gateway_controller: ControllerProcess, lab_namespace: str
) -> None:
    patch_template(
        admin, lab_namespace, "jupyterlab", {"spec": {"workspace": {"storageClassName": FIXED_STORAGE_CLASS}}}
    )
    cluster.kubectl(
        "create",
        "-n",
        lab_namespace,
        "-f",
        "-",
        user="alice",
        input=json.dumps(
            {
                "apiVersion": f"{GROUP}/{VERSION}",
                "kind": "Notebook",
                "metadata": {"name": "fixed"},
                "spec": {"templateRef": {"name": "jupyterlab"}, "workspace": {"size": "1Gi"}},
            }
        ),
    )
    wait_phase(admin, lab_namespace, "fixed", "Running", timeout=150)
    pod = _pod_uid(admin, lab_namespace, "fixed")

    admin.custom.patch_namespaced_custom_object(
        GROUP, VERSION, lab_namespace, "notebooks", "fixed", {"spec": {"workspace": {"size": "2Gi"}}}
    )

    condition = eventually(
        lambda: next(
            (
                c
                for c in (get_notebook(admin, lab_namespace, "fixed").get("status") or {}).get(
                    "conditions", []
                )
                if c["type"] == "WorkspaceReady"
            ),
            {},
        ),
        lambda c: c.get("reason") == "ExpansionRefused",
        timeout=30,
        what="the notebook to say its workspace cannot grow",
    )
    assert "cannot grow" in condition["message"] and "storageclass" in condition["message"].lower()
    assert _claim(admin, lab_namespace, "fixed-workspace").spec.resources.requests["storage"] == "1Gi"
    assert get_notebook(admin, lab_namespace, "fixed")["status"]["phase"] == "Running"
    assert _pod_uid(admin, lab_namespace, "fixed") == pod
