"""Who the server acts as (its own credentials, or a hub user by narrow impersonation), and its contract."""

from __future__ import annotations

import json

from devcluster.clients import Kube
from devcluster.cluster import REPO, Cluster
from jupyter_nbctl.app import NbctlApp
from jupyter_nbctl.handlers import ROUTES, handlers
from jupyter_nbctl.openapi import document, render
from tests.controller.helpers import create, template


def _allow_alice_server_to_impersonate_alice(cluster: Cluster) -> None:
    manifest = (REPO / "deploy" / "hub" / "impersonate-one-user.yaml").read_text()
    cluster.kubectl(
        "apply", "-f", "-", input=manifest.replace("USER", "alice").replace("SERVER", "alice-server")
    )


async def test_a_hub_server_acts_as_its_user_through_impersonation(
    api, as_user, cluster: Cluster, admin: Kube, namespace: str
) -> None:
    _allow_alice_server_to_impersonate_alice(cluster)
    create(admin, namespace, template("lab"))
    as_user("alice-server", impersonate_user="alice", impersonate_group="nbctl-users")

    code, me = await api("GET", "whoami")
    assert (code, me["username"]) == (200, "alice")
    code, created = await api("POST", "notebooks", body={"name": "hub-lab", "template": {"name": "lab"}})
    assert code == 201, created
    assert created["owner"] == "alice"


async def test_the_hub_credential_cannot_impersonate_anyone_else(api, as_user, cluster: Cluster) -> None:
    _allow_alice_server_to_impersonate_alice(cluster)
    as_user("alice-server", impersonate_user="bob", impersonate_group="nbctl-users")

    code, refusal = await api("GET", "whoami")

    assert code == 403
    assert 'User "alice-server" cannot impersonate resource "users"' in refusal["message"]


def test_the_hub_user_comes_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    app = NbctlApp(impersonate_hub_user=True, impersonate_group="nbctl-users", namespace="team-a")
    settings = app._settings()
    assert (settings.impersonate_user, settings.impersonate_group, settings.namespace) == (
        "alice",
        "nbctl-users",
        "team-a",
    )
    assert NbctlApp()._settings().impersonate_user is None


async def test_the_served_openapi_document_is_the_committed_one(api) -> None:
    code, served = await api("GET", "openapi.json")
    assert code == 200
    assert served == json.loads((REPO / "docs" / "openapi.json").read_text())
    assert (REPO / "docs" / "openapi.json").read_text() == render(), "run: python -m jupyter_nbctl.openapi"


def test_every_handler_verb_is_in_the_document_and_nothing_else() -> None:
    doc = document()
    implemented = set()
    for route in ROUTES:
        for verb in ("get", "post", "put", "patch", "delete"):
            if verb in vars(route.handler):
                implemented.add((f"/nbctl/api{route.path}", verb))
    documented = {
        (path, verb) for path, item in doc["paths"].items() for verb in item if verb != "parameters"
    }
    assert implemented == documented
    assert len(handlers()) == len(ROUTES) + 1  # and the document itself
