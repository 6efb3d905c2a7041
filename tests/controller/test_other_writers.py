"""What other writers add to the controller's children stays there.

Another client labels and annotates the StatefulSet; a MutatingAdmissionPolicy
injects an env var into its pod template. Reconciles, a forced re-apply and a
controller restart keep all three, and the pod is never restarted by them.
"""

from __future__ import annotations

import json

from nbctl_controller.names import APPLIED_ANNOTATION

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from tests.controller.helpers import (
    create,
    mutating_policy,
    notebook,
    patch_notebook,
    running_pod,
    template,
    wait_for_policy,
)
from tests.eventually import eventually


def _inject_env_policy(namespace: str) -> list[dict]:
    env = "Object.spec.template.spec.containers.env"
    expression = (
        "Object{spec: Object.spec{template: Object.spec.template{spec: Object.spec.template.spec{"
        f'containers: [Object.spec.template.spec.containers{{name: "main", env: [{env}{{name: "INJECTED", '
        'value: "by-policy"}]}]}}}}'
    )
    rule = {
        "apiGroups": ["apps"],
        "apiVersions": ["v1"],
        "operations": ["CREATE", "UPDATE"],
        "resources": ["statefulsets"],
    }
    mutation = {"patchType": "ApplyConfiguration", "applyConfiguration": {"expression": expression}}
    return mutating_policy(f"inject-{namespace}", namespace, rule, mutation)


def _env(kube: Kube, namespace: str) -> dict[str, str]:
    sts = kube.apps.read_namespaced_stateful_set("nb", namespace)
    return {e.name: e.value for e in sts.spec.template.spec.containers[0].env or []}


def test_labels_annotations_and_injected_env_survive_reconciles_and_restarts(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    cluster = controller.cluster
    for doc in _inject_env_policy(namespace):
        cluster.kubectl("apply", "-f", "-", input=json.dumps(doc))
    try:
        probe = {
            "apiVersion": "apps/v1",
            "kind": "StatefulSet",
            "metadata": {"name": "probe", "namespace": namespace},
            "spec": {
                "serviceName": "probe",
                "selector": {"matchLabels": {"a": "b"}},
                "template": {
                    "metadata": {"labels": {"a": "b"}},
                    "spec": {"containers": [{"name": "main", "image": "x"}]},
                },
            },
        }
        wait_for_policy(
            cluster, probe, lambda sts: sts["spec"]["template"]["spec"]["containers"][0].get("env")
        )
        create(admin, namespace, template("lab"), notebook("nb", "lab"))
        pod = running_pod(admin, namespace, "nb")
        assert _env(admin, namespace)["INJECTED"] == "by-policy"

        # Another client adds its own label and annotation
        cluster.kubectl(
            "-n",
            namespace,
            "patch",
            "statefulset",
            "nb",
            "--type=merge",
            "--field-manager=someone-else",
            "-p",
            json.dumps({"metadata": {"labels": {"team": "data"}, "annotations": {"cost-center": "42"}}}),
        )

        # When the notebook is reconciled ten times, once with a real re-apply, and the controller restarts
        for index in range(10):
            patch_notebook(admin, namespace, "nb", {"metadata": {"labels": {"touch": str(index)}}})
        cluster.kubectl("-n", namespace, "annotate", "statefulset", "nb", f"{APPLIED_ANNOTATION}-")
        eventually(
            lambda: admin.apps.read_namespaced_stateful_set("nb", namespace).metadata.annotations,
            lambda annotations: APPLIED_ANNOTATION in annotations,
            what="the controller to apply the StatefulSet again",
        )
        controller.restart()
        controller.settled()

        # Then all three additions are still there, and the pod is the same pod
        sts = admin.apps.read_namespaced_stateful_set("nb", namespace)
        assert sts.metadata.labels["team"] == "data"
        assert sts.metadata.annotations["cost-center"] == "42"
        assert _env(admin, namespace)["INJECTED"] == "by-policy"
        assert running_pod(admin, namespace, "nb").metadata.uid == pod.metadata.uid
    finally:
        cluster.kubectl(
            "delete",
            "mutatingadmissionpolicybinding,mutatingadmissionpolicy",
            f"inject-{namespace}",
            check=False,
        )
