"""Only the owner reaches a notebook's server, on the real node: bob tries every way in, as an attacker.

Kubeflow's images start Jupyter with no token: whoever reaches its port reads the owner's files and
runs code as them. Here alice's notebook runs beside bob's on the real node. Bob, from a shell in his
own notebook's pod, asks alice's Jupyter on its own port at her pod's IP (refused by the port lock),
and the guard that her Service leads to (401: the Service's ClusterIP leads to this same address,
though this node has no kube-proxy to carry it). Through the gateway he has no session; alice's used
ticket does not open it again; a ticket he makes with his own notebook's key opens nothing of hers;
her key and her ticket are refused to him. Alice, through the panel's Open, gets in, and so do the
controller's probe tokens.
"""

from __future__ import annotations

import json
import textwrap

import pytest
import requests
from nbctl_guard.tickets import Purpose, mint

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from devcluster.jupyter import JupyterServer
from tests.controller.helpers import wait_phase
from tests.node.jupyter import (
    Refused,
    extension_api,
    keyed_client,
    notebook_key,
    open_notebook,
)

# Run in bob's pod: each URL asked as a browser would, each outcome as text.
ASK = textwrap.dedent(
    """
    import json, sys, urllib.request, urllib.error
    out = {}
    for url in sys.argv[1:]:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                out[url] = f"{answer.status} {answer.read(200)!r}"
        except urllib.error.HTTPError as err:
            out[url] = f"{err.code}"
        except OSError as err:
            out[url] = f"error {err}"
    print(json.dumps(out))
    """
)


def _ask_from(cluster: Cluster, user: str, namespace: str, pod: str, *urls: str) -> dict[str, str]:
    shell = cluster.kubectl("exec", "-n", namespace, pod, "--", "python3", "-c", ASK, *urls, user=user)
    return json.loads(shell.stdout)


def test_bob_reaches_nothing_of_alices_notebook_and_alice_opens_it_in_one_step(
    cluster: Cluster,
    admin: Kube,
    bob: Kube,
    gateway_controller: ControllerProcess,
    lab_namespace: str,
    alices_server: JupyterServer,
    bobs_server: JupyterServer,
) -> None:
    ns = lab_namespace
    # Given alice's notebook and bob's, both running on the real node
    for server, name in ((alices_server, "hers"), (bobs_server, "his")):
        extension_api(server, "POST", "/notebooks", {"name": name, "template": {"name": "jupyterlab"}})
    for name in ("hers", "his"):
        wait_phase(admin, ns, name, "Running", timeout=180)
    # And alice, who opened hers as the panel does, with a file in it
    alice = open_notebook(alices_server, "hers")
    alice.put_file("diary.txt", "alice's own\n")
    assert alice.get_file("diary.txt").json()["content"] == "alice's own\n"

    ip = admin.core.read_namespaced_pod("hers-0", ns).status.pod_ip
    files = f"/notebook/{ns}/hers/api/contents/diary.txt?content=1"
    direct, guarded = f"http://{ip}:8888{files}", f"http://{ip}:4180{files}"

    # When bob asks from his own pod: Jupyter's own port at her pod's IP, and her guard
    seen = _ask_from(cluster, "bob", ns, "his-0", direct, guarded)
    # Then Jupyter's port is closed to him, and the guard asks for a credential he does not have
    assert seen[direct].startswith("error") and "refused" in seen[direct].lower(), seen
    assert seen[guarded] == "401", seen
    # While from inside alice's own pod (loopback) her Jupyter is there, as Kubeflow's images expect
    own = _ask_from(cluster, "alice", ns, "hers-0", f"http://127.0.0.1:8888{files}")
    assert own[f"http://127.0.0.1:8888{files}"].startswith("200"), own

    # When bob tries the gateway: no session, alice's used ticket, a ticket of his own key
    gateway = f"{cluster.gateway_url}/notebook/{ns}/hers/"
    assert requests.get(f"{gateway}{files.split('/hers/', 1)[1]}", timeout=10).status_code == 401
    used = extension_api(alices_server, "POST", "/notebooks/hers/open")["url"]
    assert requests.get(used, timeout=10, allow_redirects=False).status_code == 302  # alice's click
    assert requests.get(used, timeout=10, allow_redirects=False).status_code == 401  # bob's replay
    his_key = notebook_key(bob, ns, "his")
    forged = mint(his_key, Purpose.TICKET, f"{ns}/hers")
    assert requests.get(f"{gateway}?nbctl-ticket={forged}", timeout=10).status_code == 401
    # Then nothing opens; and neither her key nor a ticket of hers is his to have
    read = cluster.kubectl("get", "secret", "-n", ns, "nbctl-notebook-hers", user="bob", check=False)
    assert read.returncode != 0 and "forbidden" in read.stderr.lower()
    with pytest.raises(Refused) as refused:
        extension_api(bobs_server, "POST", "/notebooks/hers/open")
    assert refused.value.status == 403 and "belongs to alice" in refused.value.body["message"]

    # And alice's notebook and files are as she left them, for her and for the controller's probes
    assert alice.get_file("diary.txt").json()["content"] == "alice's own\n"
    probe = keyed_client(gateway, notebook_key(admin, ns, "hers"), f"{ns}/hers")
    assert probe.status().status_code == 200
