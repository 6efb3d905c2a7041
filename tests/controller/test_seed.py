"""The seed's own example becomes a running notebook, with its PodDefault and dependency."""

from __future__ import annotations

import copy

import yaml

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from devcluster.install import install_seed_examples, seed_documents
from jupyter_nbctl.models import GROUP, VERSION
from tests.eventually import eventually


def _main(pod) -> object:
    return next(c for c in pod.spec.containers if c.name == "main")


def _running(kube: Kube, namespace: str, name: str):
    return eventually(
        lambda: kube.core.read_namespaced_pod(f"{name}-0", namespace),
        lambda p: p.status.phase == "Running",
        timeout=60,
        what=f"pod {namespace}/{name}-0 to run",
    )


def _notebook(kube: Kube, namespace: str, name: str) -> dict:
    return kube.custom.get_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks", name)


def test_the_seed_notebook_runs_with_its_poddefault_resources_and_prefix(
    cluster: Cluster, admin: Kube, controller: ControllerProcess
) -> None:
    # Given the seed's PodDefaults, Template and Notebook, as they stand
    install_seed_examples(cluster)

    # Then its pod runs, with what the Template, the PodDefault and the Notebook asked for
    pod = _running(admin, "default", "jupyter-scipy")
    main = _main(pod)
    env = {e.name: e.value for e in main.env}
    assert env["PIP_INDEX_URL"] == "https://pypi.private.com"
    assert env["NB_PREFIX"] == "/notebook/default/jupyter-scipy"
    assert {m.mount_path: m.name for m in main.volume_mounts}["/var/run/secrets/pypi.private.com/"] == "pypi"
    assert main.resources.requests == {"cpu": "4", "memory": "16Gi"}
    assert main.resources.limits == {"cpu": "4", "memory": "16Gi"}
    assert main.image == "kubeflownotebookswg/jupyter-scipy:v1.7.0-rc.0"

    # And the status says so
    status = eventually(
        lambda: _notebook(admin, "default", "jupyter-scipy").get("status", {}),
        lambda s: s.get("phase") == "Running",
        what="the notebook's status to say Running",
    )
    assert status["url"] == "/notebook/default/jupyter-scipy/"
    assert status["readyReplicas"] == 1
    conditions = {c["type"]: c for c in status["conditions"]}
    assert conditions["Ready"]["status"] == "True"
    assert conditions["TemplateResolved"]["status"] == "True"
    assert status["currentRevision"] == status["latestRevision"]

    # And the Secret dependency was copied, owned by the revision
    secret = admin.core.read_namespaced_secret("pypi.private.com", "default")
    owners = [(o.kind, o.name) for o in secret.metadata.owner_references]
    assert owners == [("TemplateRevision", status["currentRevision"])]

    # When the last notebook that used it is deleted
    admin.custom.delete_namespaced_custom_object(GROUP, VERSION, "default", "notebooks", "jupyter-scipy")

    # Then the garbage collector takes the revision and the copy
    eventually(
        lambda: [s.metadata.name for s in admin.core.list_namespaced_secret("default").items],
        lambda names: "pypi.private.com" not in names,
        what="the copied Secret to be collected",
    )
    revisions = admin.custom.list_namespaced_custom_object(GROUP, VERSION, "default", "templaterevisions")
    assert revisions["items"] == []


def test_a_picked_configuration_adds_its_port(
    cluster: Cluster, admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    docs = seed_documents()
    # Given the seed's template, offering spark-defaults, in a namespace of its own
    for doc in docs:
        doc = copy.deepcopy(doc)
        doc["metadata"]["namespace"] = namespace
        if doc["kind"] == "Template":
            doc["spec"]["configurations"] = [{"name": "spark-defaults"}]
            doc["spec"]["dependencies"] = []
            doc["spec"]["required"] = []
        if doc["kind"] == "Notebook":
            doc["spec"]["templateRef"]["namespace"] = namespace
            doc["spec"]["configurations"] = ["spark-defaults"]
        cluster.kubectl("apply", "-f", "-", input=yaml.safe_dump(doc))

    pod = _running(admin, namespace, "jupyter-scipy")

    ports = {p.container_port: p.name for p in _main(pod).ports}
    assert ports == {8888: None, 4040: "http-spark"}
