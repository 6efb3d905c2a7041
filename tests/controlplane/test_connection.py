"""The controller's own connection (no official client) reaches the API server as who its kubeconfig says."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml

from devcluster.cluster import Cluster
from jupyter_nbctl.kube.connection import ConfigError, Connection, from_kubeconfig
from jupyter_nbctl.kube.rest import Kube, KubeError


def _who(kube: Kube) -> str:
    review = kube.request(
        "POST",
        "/apis/authentication.k8s.io/v1/selfsubjectreviews",
        body={"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
    )
    return str(review["status"]["userInfo"]["username"])


def test_a_kubeconfig_with_a_ca_file_and_a_token_is_that_user(cluster: Cluster) -> None:
    kube = Kube(Connection.from_credentials(from_kubeconfig(cluster.kubeconfig("alice"))))
    assert _who(kube) == "alice"
    # And alice's rights, not more: she may not list namespaces.
    with pytest.raises(KubeError) as refused:
        kube.request("GET", "/api/v1/namespaces")
    assert refused.value.status == 403


def test_embedded_data_and_a_token_file_work_as_files_do(cluster: Cluster, tmp_path: Path) -> None:
    config = yaml.safe_load(cluster.kubeconfig("bob").read_text())
    entry = config["clusters"][0]["cluster"]
    ca = Path(entry.pop("certificate-authority")).read_bytes()
    entry["certificate-authority-data"] = base64.b64encode(ca).decode()
    user = config["users"][0]["user"]
    (tmp_path / "token").write_text(user.pop("token") + "\n")
    user["tokenFile"] = "token"  # relative to the kubeconfig, as kubectl reads it
    (tmp_path / "config").write_text(yaml.safe_dump(config))
    kube = Kube(Connection.from_credentials(from_kubeconfig(tmp_path / "config")))
    assert _who(kube) == "bob"


def test_unsupported_credentials_are_named(cluster: Cluster, tmp_path: Path) -> None:
    config = yaml.safe_load(cluster.kubeconfig("bob").read_text())
    config["users"][0]["user"] = {
        "exec": {"command": "get-token", "apiVersion": "client.authentication.k8s.io/v1"}
    }
    (tmp_path / "config").write_text(yaml.safe_dump(config))
    with pytest.raises(ConfigError, match=r"gives user .* an 'exec', which is not supported here"):
        from_kubeconfig(tmp_path / "config")
    with pytest.raises(ConfigError, match=r"has no context named 'elsewhere'"):
        from_kubeconfig(tmp_path / "config", context="elsewhere")
    with pytest.raises(ConfigError, match=r"cannot be read"):
        from_kubeconfig(tmp_path / "missing")
