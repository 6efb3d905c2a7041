"""The guard in the notebook's pod, as rendered: who listens where, and what the kubelet probes."""

from __future__ import annotations

import pytest
from nbctl_controller.guard import GuardSettings
from nbctl_controller.problems import NotebookProblem
from nbctl_controller.render import Notebook, render_owner_access, render_pod_template, without_key
from nbctl_controller.revisions import build_revision

NB = Notebook("team-a", "lab", "uid-1", {"templateRef": {"name": "t"}})


def _pod(main: dict, guard: GuardSettings = GuardSettings(image="guard:1")) -> dict:  # noqa: B008
    template = {"template": {"spec": {"containers": [{"name": "main", "image": "lab:1", **main}]}}}
    name, spec = build_revision("admin", "t", template, {})
    return render_pod_template(NB, name, spec, guard=guard)["spec"]


def test_the_port_is_locked_first_then_the_guard_runs_beside_jupyter_with_the_key() -> None:
    spec = _pod({"ports": [{"containerPort": 8888}]})
    lock, guard = spec["initContainers"]
    assert lock["name"] == "nbctl-lock-port" and lock["image"] == "guard:1"
    assert lock["command"][0] == "nft" and 'iifname != "lo" tcp dport 8888 reject' in lock["command"][1]
    assert lock["securityContext"]["capabilities"] == {"drop": ["ALL"], "add": ["NET_ADMIN"]}
    assert guard["restartPolicy"] == "Always"  # a native sidecar: up before Jupyter, down after it
    assert guard["securityContext"]["runAsNonRoot"] is True
    assert guard["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    env = {e["name"]: e["value"] for e in guard["env"]}
    assert env["NBCTL_GUARD_UPSTREAM"] == "8888"
    assert env["NBCTL_GUARD_NOTEBOOK"] == "team-a/lab"
    assert env["NBCTL_GUARD_PREFIX"] == "/notebook/team-a/lab"
    assert guard["volumeMounts"] == [
        {"name": "nbctl-guard-key", "mountPath": "/var/run/nbctl-guard", "readOnly": True}
    ]
    assert spec["volumes"] == [
        {"name": "nbctl-guard-key", "secret": {"secretName": "nbctl-notebook-lab", "defaultMode": 0o444}}
    ]
    # The notebook's own container is the Template's: no key, no privileges.
    assert "volumeMounts" not in spec["containers"][0]


def test_the_lock_can_be_left_out_where_pod_security_forbids_net_admin() -> None:
    spec = _pod({}, GuardSettings(image="guard:1", lock_port=False))
    assert [c["name"] for c in spec["initContainers"]] == ["nbctl-guard"]
    assert {e["name"]: e["value"] for e in spec["initContainers"][0]["env"]}["NBCTL_GUARD_UPSTREAM"] == "8888"


def test_probes_of_jupyters_port_ask_the_guard_and_others_stay() -> None:
    main = {
        "ports": [{"containerPort": 8080, "name": "web"}],
        "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": "web"}, "failureThreshold": 9},
        "startupProbe": {"exec": {"command": ["true"]}},
    }
    spec = _pod(main)
    container = spec["containers"][0]
    assert container["readinessProbe"] == {
        "httpGet": {"path": "/nbctl-guard/ready", "port": 4180},
        "periodSeconds": 1,
    }
    assert container["livenessProbe"] == {
        "httpGet": {"path": "/nbctl-guard/http/healthz", "port": 4180},
        "failureThreshold": 9,
    }
    assert container["startupProbe"] == {"exec": {"command": ["true"]}}
    guard = spec["initContainers"][1]
    env = {e["name"]: e["value"] for e in guard["env"]}
    # Only the probes' own paths may be asked without a login.
    assert env["NBCTL_GUARD_PROBE_PATHS"] == '["/healthz"]'
    assert env["NBCTL_GUARD_UPSTREAM"] == "8080"


def test_a_server_on_the_guards_port_is_a_problem_that_says_so() -> None:
    with pytest.raises(NotebookProblem) as caught:
        _pod({"ports": [{"containerPort": 4180}]})
    assert caught.value.reason == "PortConflict" and "4180" in caught.value.message


def test_the_owners_role_reads_the_notebooks_key_and_no_other_secret() -> None:
    role, _ = render_owner_access(NB, "alice")
    secrets = [r for r in role["rules"] if "secrets" in r["resources"]]
    key = {
        "apiGroups": [""],
        "resources": ["secrets"],
        "resourceNames": ["nbctl-notebook-lab"],
        "verbs": ["get"],
    }
    assert secrets == [key]
    # A Secret of that name that is not the notebook's key is never the owner's to read
    role = without_key(render_owner_access(NB, "alice")[0])
    assert not [r for r in role["rules"] if "secrets" in r["resources"]]


def test_a_limit_factor_of_none_leaves_the_cpu_unlimited_and_the_request_as_asked() -> None:
    template = {
        "template": {"spec": {"containers": [{"name": "main", "image": "lab:1"}]}},
        "resources": {"cpu": {"default": "500m", "limitFactor": "none"}, "memory": {"default": "1Gi"}},
    }
    name, spec = build_revision("admin", "t", template, {})
    main = render_pod_template(NB, name, spec)["spec"]["containers"][0]
    assert main["resources"] == {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"memory": "1Gi"}}
