"""The API server serves jupyter-nbctl's kinds as the models define them.

The seed's objects round-trip unchanged; invalid Notebooks are refused with a
message that names the field; `kubectl explain` shows the models' docs.
"""

from __future__ import annotations

import copy
import json

import pytest
from kubernetes.client import ApiException

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.install import SEED_EXAMPLES, ensure_namespace, seed_documents
from jupyter_nbctl.models import GROUP, VERSION

PLURALS = {"Template": "templates", "PodDefault": "poddefaults", "Notebook": "notebooks"}


def _seed() -> list[dict]:
    return seed_documents()


def test_every_seed_object_round_trips_through_the_api_server_unchanged(
    cluster: Cluster, admin: Kube
) -> None:
    docs = _seed()
    ensure_namespace(cluster, "kubeflow")
    for doc in docs:
        cluster.kubectl(
            "delete",
            doc["kind"],
            doc["metadata"]["name"],
            "-n",
            doc["metadata"]["namespace"],
            "--ignore-not-found",
        )
        if doc["kind"] == "Notebook":
            # A workspace kept from an earlier test's notebook of that name would refuse the name.
            cluster.kubectl(
                "delete",
                "pvc",
                f"{doc['metadata']['name']}-workspace",
                "-n",
                doc["metadata"]["namespace"],
                "--ignore-not-found",
                "--wait=false",
            )
    # Given the seed applied as it stands
    cluster.kubectl("create", "-f", str(SEED_EXAMPLES))

    # Then each object reads back with exactly the spec it was written with;
    # a Notebook gains only its owner, stamped at admission from the creating user
    for doc in docs:
        meta = doc["metadata"]
        stored = admin.custom.get_namespaced_custom_object(
            GROUP, VERSION, meta["namespace"], PLURALS[doc["kind"]], meta["name"]
        )
        if doc["kind"] == "Notebook":
            assert stored["spec"].pop("owner") == "admin"
        assert stored["spec"] == doc["spec"], f"{doc['kind']}/{meta['name']} changed on the way"
        cluster.kubectl("delete", doc["kind"], meta["name"], "-n", meta["namespace"])


def _notebook(**spec_changes) -> dict:
    spec = {
        "templateRef": {"name": "jupyter-scipy", "namespace": "kubeflow"},
        "resources": {"cpu": 4, "memory": "16Gi"},
        "updatePolicy": "Auto",
    }
    spec.update(spec_changes)
    return {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Notebook",
        "metadata": {"name": "nb"},
        "spec": {k: v for k, v in spec.items() if v is not None},
    }


@pytest.mark.parametrize(
    ("body", "names"),
    [
        (_notebook(updatePolicy="Sometimes"), ["spec.updatePolicy", 'supported values: "Auto", "Manual"']),
        (_notebook(templateRef=None), ["spec.templateRef: Required value"]),
        (_notebook(resources={"memory": "16 GB"}), ["spec.resources.memory", "must be a quantity"]),
        (_notebook(resources={"cpu": "four"}), ["spec.resources.cpu", "must be a quantity"]),
        (_notebook(resources={"gpu": -1}), ["spec.resources.gpu", "greater than or equal to 0"]),
        (_notebook(templateRef={"name": ""}), ["spec.templateRef.name"]),
        (_notebook(resources={"memory": "1e1000000"}), ["spec.resources.memory", "less than 8Ei"]),
        (_notebook(resources={"cpu": "10E"}), ["spec.resources.cpu", "less than 8Ei"]),
    ],
    ids=[
        "unknown-updatePolicy",
        "missing-templateRef",
        "malformed-memory",
        "malformed-cpu",
        "negative-gpu",
        "empty-template-name",
        "absurd-memory",
        "absurd-cpu",
    ],
)
def test_an_invalid_notebook_is_refused_with_a_message_that_names_the_field(
    admin: Kube, namespace: str, body: dict, names: list[str]
) -> None:
    with pytest.raises(ApiException) as refused:
        admin.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", body)

    assert refused.value.status == 422
    message = json.loads(refused.value.body)["message"]
    for name in names:
        assert name in message
    assert admin.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks")["items"] == []


@pytest.mark.parametrize("name", ["Upper", "9starts-with-digit", "x" * 53, "ends-with-dash-"])
def test_a_notebook_name_that_cannot_name_its_children_is_refused(
    admin: Kube, namespace: str, name: str
) -> None:
    body = _notebook()
    body["metadata"]["name"] = name
    with pytest.raises(ApiException) as refused:
        admin.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", body)
    assert refused.value.status == 422
    assert "metadata.name" in json.loads(refused.value.body)["message"]


def test_template_bounds_out_of_order_are_refused(admin: Kube, namespace: str) -> None:
    template = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Template",
        "metadata": {"name": "bad-bounds"},
        "spec": {
            "template": {"spec": {"containers": [{"name": "main", "image": "x"}]}},
            "resources": {"cpu": {"default": 4, "max": "2"}, "memory": {"min": "8Gi", "default": "1Gi"}},
        },
    }
    with pytest.raises(ApiException) as refused:
        admin.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, "templates", template)
    message = json.loads(refused.value.body)["message"]
    assert (
        "spec.resources.cpu: Invalid value" in message and "default must not be greater than max" in message
    )
    assert (
        "spec.resources.memory: Invalid value" in message
        and "min must not be greater than default" in message
    )


def test_a_template_needs_a_container_with_an_image(admin: Kube, namespace: str) -> None:
    template = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "Template",
        "metadata": {"name": "no-image"},
        "spec": {"template": {"spec": {"containers": [{"name": "main"}]}}},
    }
    with pytest.raises(ApiException) as refused:
        admin.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, "templates", template)
    assert (
        "spec.template.spec.containers[0].image: Required value" in json.loads(refused.value.body)["message"]
    )

    empty = copy.deepcopy(template)
    empty["spec"]["template"]["spec"]["containers"] = []
    with pytest.raises(ApiException) as refused:
        admin.custom.create_namespaced_custom_object(GROUP, VERSION, namespace, "templates", empty)
    assert "spec.template.spec.containers" in json.loads(refused.value.body)["message"]


def test_kubectl_explain_shows_the_models_documentation(cluster: Cluster) -> None:
    out = cluster.kubectl("explain", "notebook.spec").stdout

    assert "The Template this notebook is made from." in out
    assert "Auto: move to the newest template revision" in out
    assert "stamped at admission" in out


def test_kubectl_get_notebooks_shows_template_phase_ready_owner_and_age(
    cluster: Cluster, namespace: str
) -> None:
    cluster.kubectl("create", "-n", namespace, "-f", "-", input=json.dumps(_notebook()))

    header = cluster.kubectl("get", "notebooks", "-n", namespace).stdout.splitlines()[0].split()

    assert header == ["NAME", "TEMPLATE", "PHASE", "READY", "OWNER", "AGE"]
