"""The notebooks API, called as the user, against the real cluster and controller."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest
from nbctl_guard.tickets import Purpose, check

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import create, poddefault, template
from tests.eventually import eventually
from tests.extension.conftest import answer_until

TEMPLATE = template(
    "scipy",
    displayName="JupyterLab SciPy",
    description="Python with the SciPy stack",
    configurations=[{"name": "spark-defaults"}],
    resources={
        "cpu": {"default": "1", "min": "500m", "max": "4"},
        "memory": {"default": "2Gi", "max": "16Gi"},
    },
)
SPARK = poddefault("spark-defaults", ports=[{"name": "http-spark", "containerPort": 4040}])
SPARK["spec"]["description"] = "Expose the Spark UI"


async def _until(api, name: str, check, timeout: float = 60) -> dict:
    return await answer_until(api, ("notebooks", name), check, timeout)


def _owners_rules(admin: Kube, namespace: str, name: str) -> list:
    return admin.rbac.read_namespaced_role(f"nbctl-notebook-{name}", namespace).rules


def _notebooks(admin: Kube, namespace: str) -> list[str]:
    items = admin.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks")["items"]
    return [nb["metadata"]["name"] for nb in items]


async def test_whoami_names_the_user_and_namespace(api, namespace: str) -> None:
    code, me = await api("GET", "whoami")
    assert code == 200
    assert me["username"] == "alice"
    assert "nbctl-users" in me["groups"]
    assert me["namespace"] == namespace


async def test_the_catalog_shows_templates_with_configurations_and_bounds(
    api, admin: Kube, namespace: str
) -> None:
    create(admin, namespace, SPARK, TEMPLATE)

    code, catalog = await api("GET", "templates")

    assert code == 200
    [scipy] = catalog["items"]
    assert scipy["displayName"] == "JupyterLab SciPy"
    assert scipy["description"] == "Python with the SciPy stack"
    assert scipy["image"] == "kubeflownotebookswg/jupyter-scipy:v1.9.0"
    assert scipy["configurations"] == [
        {
            "name": "spark-defaults",
            "displayName": "spark-defaults",
            "description": "Expose the Spark UI",
            "default": False,
        }
    ]
    assert scipy["resources"]["cpu"] == {"default": "1", "min": "500m", "max": "4"}
    assert scipy["resources"]["memory"] == {"default": "2Gi", "max": "16Gi"}


async def test_alice_launches_stops_resizes_starts_and_deletes_her_notebook(
    api, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, SPARK, TEMPLATE)
    launch = {
        "name": "lab",
        "template": {"name": "scipy"},
        "configurations": ["spark-defaults"],
        "resources": {"cpu": "2"},
    }

    code, created = await api("POST", "notebooks", body=launch)
    assert code == 201, created
    assert created["owner"] == "alice"

    running = await _until(api, "lab", lambda nb: nb["phase"] == "Running")
    assert running["ready"] is True
    assert running["url"] == f"https://kubeflow.example.com/notebook/{namespace}/lab/"
    code, listed = await api("GET", "notebooks")
    assert [nb["name"] for nb in listed["items"]] == ["lab"]

    code, _ = await api("POST", "notebooks", "lab", "stop")
    assert code == 200
    await _until(api, "lab", lambda nb: nb["phase"] == "Stopped")

    code, resized = await api(
        "POST", "notebooks", "lab", "resize", body={"resources": {"cpu": "3", "memory": "4Gi"}}
    )
    assert code == 200, resized
    assert resized["resources"] == {"cpu": "3", "memory": "4Gi"}

    code, _ = await api("POST", "notebooks", "lab", "start")
    assert code == 200
    await _until(api, "lab", lambda nb: nb["phase"] == "Running")
    pod = admin.core.read_namespaced_pod("lab-0", namespace)
    assert pod.spec.containers[0].resources.requests == {"cpu": "3", "memory": "4Gi"}

    code, events = await api("GET", "notebooks", "lab", "events")
    assert code == 200
    assert any(e["object"] == "Pod/lab-0" and e["reason"] == "Scheduled" for e in events["items"])

    code, _ = await api("DELETE", "notebooks", "lab")
    assert code == 204
    assert "lab" not in _notebooks(admin, namespace)


async def test_bob_does_not_see_alices_notebook_and_may_not_touch_it(
    api, as_user, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, TEMPLATE)
    assert (await api("POST", "notebooks", body={"name": "mine", "template": {"name": "scipy"}}))[0] == 201
    await _until(api, "mine", lambda nb: nb["phase"] == "Running")

    as_user("bob")

    code, listed = await api("GET", "notebooks")
    assert code == 200
    assert listed["items"] == []
    for action in ("stop", "start", "update"):
        code, refusal = await api("POST", "notebooks", "mine", action)
        assert code == 403, action
        assert "Notebook mine belongs to alice" in refusal["message"]
    code, refusal = await api("DELETE", "notebooks", "mine")
    assert code == 403
    assert "belongs to alice" in refusal["message"]
    code, refusal = await api("GET", "notebooks", "mine", "logs")
    assert code == 403
    code, refusal = await api("POST", "notebooks", "mine", "open")
    assert code == 403 and "belongs to alice" in refusal["message"]
    assert "mine" in _notebooks(admin, namespace)


async def test_open_gives_the_owner_a_one_use_ticket_made_with_the_notebooks_own_key(
    api, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, TEMPLATE)
    assert (await api("POST", "notebooks", body={"name": "lab", "template": {"name": "scipy"}}))[0] == 201
    await _until(api, "lab", lambda nb: nb["phase"] == "Running")

    code, opened = await api("POST", "notebooks", "lab", "open")

    assert code == 200
    address, _, query = opened["url"].partition("?nbctl-ticket=")
    assert address.endswith(f"/notebook/{namespace}/lab/")
    # The ticket is the notebook's own key's, for this notebook and for one Open only
    secret = admin.core.read_namespaced_secret("nbctl-notebook-lab", namespace)
    key = base64.b64decode(secret.data["key"])
    assert check(key, Purpose.TICKET, f"{namespace}/lab", query) is not None
    assert check(key, Purpose.TICKET, f"{namespace}/other", query) is None
    assert check(key, Purpose.SESSION, f"{namespace}/lab", query) is None
    assert opened["expires"] > dt.datetime.now(dt.UTC).isoformat()
    # And the key is the notebook's: made by the controller, read by alice's Role only
    assert [(o.kind, o.name, o.controller) for o in secret.metadata.owner_references] == [
        ("Notebook", "lab", True)
    ]
    # A key deleted (say, to end every session) is made again, new
    admin.core.delete_namespaced_secret("nbctl-notebook-lab", namespace)
    renewed = eventually(
        lambda: admin.core.read_namespaced_secret("nbctl-notebook-lab", namespace),
        lambda s: s.metadata.uid != secret.metadata.uid,
        what="a new key",
    )
    assert renewed.data["key"] != secret.data["key"]
    code, opened = await api("POST", "notebooks", "lab", "open")
    assert code == 200
    key = base64.b64decode(renewed.data["key"])
    assert check(key, Purpose.TICKET, f"{namespace}/lab", opened["url"].partition("?nbctl-ticket=")[2])


async def test_a_key_the_controller_did_not_make_opens_nothing(
    api, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    # Given a Secret of the key's name made by someone else before the notebook
    admin.core.create_namespaced_secret(
        namespace, {"metadata": {"name": "nbctl-notebook-lab"}, "data": {"key": "c2VjcmV0"}}
    )
    create(admin, namespace, TEMPLATE)
    assert (await api("POST", "notebooks", body={"name": "lab", "template": {"name": "scipy"}}))[0] == 201

    # Then the notebook says the name is taken, and Open refuses to mint with that key
    nb = await _until(api, "lab", lambda nb: nb["reason"] == "NameTaken")
    assert "Secret" in nb["message"] and "nbctl-notebook-lab" in nb["message"]
    code, refusal = await api("POST", "notebooks", "lab", "open")
    assert code == 409 and refusal["reason"] == "NoKey", refusal
    # And naming a notebook after someone's Secret never lets its owner read that Secret
    assert not any("secrets" in rule.resources for rule in _owners_rules(admin, namespace, "lab"))


async def test_alice_may_ask_for_her_logs(
    api, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, TEMPLATE)
    await api("POST", "notebooks", body={"name": "lab", "template": {"name": "scipy"}})
    await _until(api, "lab", lambda nb: nb["phase"] == "Running")

    code, answer = await api("GET", "notebooks", "lab", "logs")

    # No container runtime runs here: the fake node cannot serve logs, and the
    # answer says so (after RBAC let alice ask).
    assert code == 502, answer
    assert "could not be read from its node" in answer["message"]


@pytest.mark.parametrize(
    ("body", "status", "words"),
    [
        ({"name": "x", "template": {"name": "nope"}}, 422, ["does not exist"]),
        (
            {"name": "x", "template": {"name": "scipy"}, "resources": {"cpu": "64"}},
            422,
            ["Cpu 64 is more than the template's maximum 4"],
        ),
        (
            {"name": "x", "template": {"name": "scipy"}, "resources": {"cpu": "100m"}},
            422,
            ["less than the template's minimum 500m"],
        ),
        ({"name": "Bad_Name", "template": {"name": "scipy"}}, 400, ["name:", "should match pattern"]),
        ({"name": "x" * 53, "template": {"name": "scipy"}}, 400, ["name:", "at most 52"]),
        (
            {"name": "x", "template": {"name": "scipy"}, "configurations": ["gpu-drivers"]},
            422,
            ["does not offer the configuration gpu-drivers"],
        ),
        (
            {"name": "x", "template": {"name": "scipy"}, "resources": {"memory": "lots"}},
            400,
            ["resources.memory", "is not a quantity"],
        ),
        (
            {"name": "x", "template": {"name": "scipy"}, "resources": {"memory": "1e1000000"}},
            400,
            ["resources.memory", "is too large", "less than 8Ei"],
        ),
        ({"template": {"name": "scipy"}}, 400, ["name: Field required"]),
        ({"name": "x", "template": {"name": "scipy"}, "image": "evil:1"}, 400, ["image: Extra inputs"]),
        ("{not json", 400, ["not JSON"]),
    ],
    ids=[
        "unknown-template",
        "cpu-over-max",
        "cpu-under-min",
        "invalid-name",
        "long-name",
        "unknown-configuration",
        "malformed-quantity",
        "absurd-quantity",
        "missing-name",
        "unknown-field",
        "malformed-body",
    ],
)
async def test_bad_launches_get_a_4xx_that_names_the_problem_and_make_nothing(
    api, admin: Kube, namespace: str, body, status: int, words: list[str]
) -> None:
    create(admin, namespace, TEMPLATE)

    code, answer = await api("POST", "notebooks", body=body)

    assert code == status, answer
    for word in words:
        assert word in answer["message"]
    assert _notebooks(admin, namespace) == []


async def test_a_taken_name_is_a_conflict_with_a_clear_message(api, admin: Kube, namespace: str) -> None:
    create(admin, namespace, TEMPLATE)
    assert (await api("POST", "notebooks", body={"name": "lab", "template": {"name": "scipy"}}))[0] == 201

    code, answer = await api("POST", "notebooks", body={"name": "lab", "template": {"name": "scipy"}})

    assert code == 409
    assert (
        answer["message"]
        == f"A notebook named lab already exists in namespace {namespace}; pick another name."
    )


async def test_a_missing_notebook_is_a_404(api) -> None:
    code, answer = await api("POST", "notebooks", "ghost", "stop")
    assert code == 404
    assert "Notebook ghost does not exist" in answer["message"]


async def test_a_post_without_the_xsrf_token_or_a_login_is_refused(
    jp_fetch, admin: Kube, namespace: str
) -> None:
    from tornado.httpclient import HTTPClientError

    create(admin, namespace, TEMPLATE)
    with pytest.raises(HTTPClientError) as refused:
        await jp_fetch(
            "nbctl",
            "api",
            "notebooks",
            method="POST",
            headers={"Authorization": ""},
            body=json.dumps({"name": "lab", "template": {"name": "scipy"}}),
        )
    assert refused.value.code == 403
    assert _notebooks(admin, namespace) == []


async def test_polling_does_not_count_as_activity(api, jp_serverapp) -> None:
    settings = jp_serverapp.web_app.settings
    before = settings.get("api_last_activity")
    for path in (("notebooks",), ("templates",), ("whoami",)):
        assert (await api("GET", *path))[0] == 200
    assert settings.get("api_last_activity") == before


async def test_an_unreachable_cluster_is_a_503_that_says_what_was_tried(
    api, jp_serverapp, tmp_path, cluster: Cluster
) -> None:
    from jupyter_nbctl.service import ClusterSettings, NotebookService

    dead = tmp_path / "dead.yaml"
    dead.write_text(cluster.kubeconfig("alice").read_text().replace(cluster.server, "https://127.0.0.1:1"))
    service = NotebookService(ClusterSettings(kubeconfig=str(dead), namespace="x", request_timeout=2))
    jp_serverapp.web_app.settings["nbctl_service"] = lambda: service

    code, answer = await api("GET", "notebooks")

    assert code == 503
    assert "The Kubernetes API at https://127.0.0.1:1 cannot be reached" in answer["message"]


async def test_update_says_what_changes_and_restarts_an_auto_notebook_onto_the_newest_revision(
    api, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, TEMPLATE)
    body = {"name": "lab", "template": {"name": "scipy"}, "updatePolicy": "Auto"}
    assert (await api("POST", "notebooks", body=body))[0] == 201
    first = (await _until(api, "lab", lambda nb: nb["phase"] == "Running"))["currentRevision"]
    code, preview = await api("GET", "notebooks", "lab", "update")
    assert code == 200
    assert preview["available"] is False and preview["changes"] == []

    # The admin moves the template to a new image and a bigger CPU bound
    admin.custom.patch_namespaced_custom_object(
        GROUP,
        VERSION,
        namespace,
        "templates",
        "scipy",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {"name": "main", "image": "example/scipy:2", "ports": [{"containerPort": 8888}]}
                        ]
                    }
                },
                "resources": {"cpu": {"max": "8"}},
            }
        },
    )
    await _until(api, "lab", lambda nb: nb["updateAvailable"])

    code, preview = await api("GET", "notebooks", "lab", "update")
    assert code == 200, preview
    assert preview["current"] == first and preview["latest"] != first
    assert preview["restarts"] is True
    changes = {c["what"]: (c.get("before"), c.get("after")) for c in preview["changes"]}
    assert changes["Image of container main"][1] == "example/scipy:2"
    assert changes["CPU max"] == ("4", "8")
    assert "Other pod settings" not in changes

    # Update moves it now, though its policy is Auto: no waiting for a restart of its own
    code, _ = await api("POST", "notebooks", "lab", "update")
    assert code == 200
    moved = await _until(
        api, "lab", lambda nb: nb["currentRevision"] == preview["latest"] and not nb["updateAvailable"]
    )
    assert moved["updatePolicy"] == "Auto"
    pod = eventually(
        lambda: admin.core.read_namespaced_pod("lab-0", namespace),
        lambda p: p.spec.containers[0].image == "example/scipy:2",
        what="the pod on the new image",
    )
    assert pod.metadata.name == "lab-0"
