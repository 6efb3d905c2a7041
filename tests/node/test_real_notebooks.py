"""Notebooks that really run: a real JupyterLab in a real pod, reached through the gateway.

Alice launches through the extension's API, as the panel does; the notebook's
own Jupyter server answers at /notebook/<namespace>/<name>/ through the
HTTPRoute the controller wrote and Traefik; a kernel runs code; logs and exec
work for alice and are refused to bob; stop and start bring a new pod that
serves again.
"""

from __future__ import annotations

from devcluster.clients import Kube
from devcluster.cluster import Cluster
from devcluster.controller import ControllerProcess
from devcluster.jupyter import JupyterServer
from devcluster.node import NODE_NAME
from tests.controller.helpers import wait_phase
from tests.eventually import eventually
from tests.node.jupyter import NotebookClient, extension_api, open_notebook


def _answers(client: NotebookClient) -> dict:
    def status() -> int:
        try:
            return client.status().status_code
        except OSError:
            return 0

    eventually(status, lambda code: code == 200, timeout=90, what=f"{client.base}api/status to answer 200")
    return client.status().json()


def _launch(server: JupyterServer, name: str) -> NotebookClient:
    """Launch as the panel does, then Open it: a client with the owner's session."""
    extension_api(server, "POST", "/notebooks", {"name": name, "template": {"name": "jupyterlab"}})
    return open_notebook(server, name)


def test_alice_launches_a_notebook_that_serves_jupyterlab_through_the_gateway(
    cluster: Cluster,
    admin: Kube,
    alice: Kube,
    gateway_controller: ControllerProcess,
    lab_namespace: str,
    alices_server: JupyterServer,
) -> None:
    # When alice launches from the template, as the panel does
    client = _launch(alices_server, "lab")

    # Then its Open URL is on the gateway, under Kubeflow's path
    assert client.base == f"{cluster.gateway_url}/notebook/{lab_namespace}/lab/"
    # And its pod runs on the real node with a ready container
    wait_phase(admin, lab_namespace, "lab", "Running", timeout=120)
    pod = admin.core.read_namespaced_pod("lab-0", lab_namespace)
    assert pod.spec.node_name == NODE_NAME
    assert all(c.ready for c in pod.status.container_statuses)
    # And JupyterLab answers through the route the controller wrote
    status = _answers(client)
    assert {"started", "last_activity", "kernels"} <= status.keys()
    page = client.session.get(f"{client.base}lab", timeout=10)
    assert page.status_code == 200 and "JupyterLab" in page.text
    # And the panel's own list says so
    listed = extension_api(alices_server, "GET", "/notebooks/lab")
    assert listed["phase"] == "Running" and listed["ready"] is True

    # And alice reads her notebook's real log and runs a command in it
    log = extension_api(alices_server, "GET", "/notebooks/lab/logs")["text"]
    assert "Jupyter Server" in log and f"/notebook/{lab_namespace}/lab/" in log
    who = cluster.kubectl("exec", "-n", lab_namespace, "lab-0", "--", "id", "-un", user="alice")
    assert who.stdout.strip() == "jovyan"

    # But bob may do neither
    logs = cluster.kubectl("logs", "-n", lab_namespace, "lab-0", user="bob", check=False)
    assert logs.returncode != 0 and "forbidden" in logs.stderr.lower()
    shell = cluster.kubectl("exec", "-n", lab_namespace, "lab-0", "--", "id", user="bob", check=False)
    assert shell.returncode != 0 and "forbidden" in shell.stderr.lower()


def test_a_kernel_runs_code_and_a_file_is_written_through_the_route(
    cluster: Cluster, gateway_controller: ControllerProcess, lab_namespace: str, alices_server: JupyterServer
) -> None:
    client = _launch(alices_server, "kernels")
    _answers(client)

    # A kernel started through the route runs code over its websocket
    kernel = client.start_kernel()
    assert client.execute(kernel, "1+1") == "2"
    # And a file written through the contents API reads back
    client.put_file("hello.txt", "hello from alice\n")
    assert client.get_file("hello.txt").json()["content"] == "hello from alice\n"
    # In the notebook's home, where a terminal would find it
    cat = cluster.kubectl(
        "exec", "-n", lab_namespace, "kernels-0", "--", "cat", "/home/jovyan/hello.txt", user="alice"
    )
    assert cat.stdout == "hello from alice\n"


def test_stop_removes_the_pod_and_start_brings_one_that_serves_again(
    admin: Kube, gateway_controller: ControllerProcess, lab_namespace: str, alices_server: JupyterServer
) -> None:
    client = _launch(alices_server, "cycle")
    _answers(client)
    first = admin.core.read_namespaced_pod("cycle-0", lab_namespace).metadata.uid

    # When alice stops it
    extension_api(alices_server, "POST", "/notebooks/cycle/stop")

    # Then the pod is gone and the route answers no more
    eventually(
        lambda: [p.metadata.name for p in admin.core.list_namespaced_pod(lab_namespace).items],
        lambda names: "cycle-0" not in names,
        timeout=60,
        what="the stopped notebook's pod to go",
    )
    wait_phase(admin, lab_namespace, "cycle", "Stopped")
    assert client.status().status_code != 200

    # When she starts it again
    extension_api(alices_server, "POST", "/notebooks/cycle/start")

    # Then a new pod serves again
    status = _answers(client)
    assert "started" in status
    assert admin.core.read_namespaced_pod("cycle-0", lab_namespace).metadata.uid != first
