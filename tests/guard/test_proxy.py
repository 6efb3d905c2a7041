"""The guard in front of a real Jupyter Server, on this machine: who gets through, and how well.

Jupyter runs as Kubeflow's images start it (no token, every origin allowed), on loopback; the guard
runs as in the pod (`python -m nbctl_guard`, configured by its NBCTL_GUARD_* variables). What the
network does around them in a pod (Jupyter's port locked, the route, another user's pod) is
tests/node/test_guarded_notebooks.py.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import websocket
from nbctl_guard.tickets import Purpose, mint, new_key

from tests.eventually import eventually
from tests.node.jupyter import NotebookClient

NOTEBOOK = "team-a/lab"
PREFIX = "/notebook/team-a/lab/"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Guarded:
    url: str  # the notebook's address through the guard, ending in its prefix
    guard: str  # the guard itself
    key: bytes
    key_file: Path  # where the guard reads it, as from the Secret's volume

    def ticket(self, notebook: str = NOTEBOOK, key: bytes | None = None) -> str:
        return mint(key or self.key, Purpose.TICKET, notebook)


def _wait(url: str, what: str) -> None:
    def status() -> int:
        try:
            return requests.get(url, timeout=2).status_code
        except requests.ConnectionError:
            return 0

    eventually(status, lambda code: code != 0, timeout=60, what=what)


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    home = tmp_path_factory.mktemp("jupyter")
    key = new_key()
    key_file = home / "key"
    key_file.write_bytes(key)
    jupyter_port, guard_port = _free_port(), _free_port()
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"), "JUPYTER_DATA_DIR": str(home / "data")}
    jupyter = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter_server", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={jupyter_port}", f"--ServerApp.base_url={PREFIX}",
            "--IdentityProvider.token=", "--ServerApp.password=", "--ServerApp.allow_origin=*",
            "--ServerApp.allow_remote_access=True", f"--ServerApp.root_dir={home}", "--allow-root",
            f"--NbctlApp.guard_url=http://127.0.0.1:{guard_port}",
        ],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    guard = subprocess.Popen(
        [sys.executable, "-m", "nbctl_guard", "serve"],
        env={
            **env,
            "NBCTL_GUARD_PORT": str(guard_port),
            "NBCTL_GUARD_UPSTREAM": str(jupyter_port),
            "NBCTL_GUARD_NOTEBOOK": NOTEBOOK,
            "NBCTL_GUARD_PREFIX": PREFIX.rstrip("/"),
            "NBCTL_GUARD_KEY_FILE": str(key_file),
            "NBCTL_GUARD_PROBE_PATHS": f'["{PREFIX}api/status"]',
        },
    )
    try:
        guard_url = f"http://127.0.0.1:{guard_port}"
        _wait(f"http://127.0.0.1:{jupyter_port}{PREFIX}api/status", "Jupyter to listen")
        _wait(f"{guard_url}/nbctl-guard/ready", "the guard to listen")
        yield Guarded(f"{guard_url}{PREFIX}", guard_url, key, key_file)
    finally:
        for process in (guard, jupyter):
            process.terminate()
        for process in (guard, jupyter):
            process.wait(timeout=20)


def _opened(guarded: Guarded) -> NotebookClient:
    client = NotebookClient(guarded.url)
    answer = client.session.get(f"{guarded.url}?{'nbctl-ticket'}={guarded.ticket()}", allow_redirects=False)
    assert answer.status_code == 302, answer.text
    client.session.get(f"{guarded.url}{answer.headers['Location'].removeprefix('./')}").raise_for_status()
    return client


def test_without_a_credential_nothing_of_jupyter_answers(guarded: Guarded) -> None:
    for path in ("api/contents", "api/kernels", "lab", "api/status"):
        answer = requests.get(f"{guarded.url}{path}", timeout=10)
        assert answer.status_code == 401, path
        assert answer.json()["reason"] == "Unauthorized"
    page = requests.get(f"{guarded.url}lab", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 401 and "open it from the notebooks panel" in page.text


def test_a_ticket_opens_once_and_leaves_a_session_cookie_for_this_notebook_only(guarded: Guarded) -> None:
    ticket = guarded.ticket()
    session = requests.Session()
    answer = session.get(f"{guarded.url}lab?reset&nbctl-ticket={ticket}", allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    # The ticket leaves the address; the rest of it stays, relative to wherever the route put it.
    assert answer.headers["Location"] == "lab?reset="
    cookie = answer.headers["Set-Cookie"]
    assert "nbctl-session=" in cookie and f"Path={PREFIX}" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert session.get(f"{guarded.url}api/contents", timeout=10).json()["type"] == "directory"

    again = requests.get(f"{guarded.url}?nbctl-ticket={ticket}", allow_redirects=False, timeout=10)
    assert again.status_code == 401 and "used already" in again.json()["message"]
    # But the browser that traded it, reloading that address, keeps its session
    reloaded = session.get(f"{guarded.url}lab?nbctl-ticket={ticket}", allow_redirects=False, timeout=10)
    assert reloaded.status_code == 302 and reloaded.headers["Location"] == "lab"
    assert "Set-Cookie" not in reloaded.headers


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(lambda g: g.ticket(key=new_key()), id="another-key"),
        pytest.param(lambda g: g.ticket(notebook="team-a/other"), id="another-notebooks-ticket"),
        pytest.param(lambda g: mint(g.key, Purpose.TICKET, NOTEBOOK, now=time.time() - 600), id="expired"),
        pytest.param(lambda g: mint(g.key, Purpose.PROBE, NOTEBOOK), id="a-probe-token"),
        pytest.param(lambda g: "1.2.3", id="garbage"),
    ],
)
def test_a_forged_or_stale_ticket_opens_nothing(guarded: Guarded, forged) -> None:  # type: ignore[no-untyped-def]
    answer = requests.get(f"{guarded.url}?nbctl-ticket={forged(guarded)}", allow_redirects=False, timeout=10)
    assert answer.status_code == 401
    assert "Set-Cookie" not in answer.headers


def test_a_session_cookie_of_another_key_or_a_ticket_as_cookie_is_refused(guarded: Guarded) -> None:
    for cookie in (mint(new_key(), Purpose.SESSION, NOTEBOOK), guarded.ticket()):
        answer = requests.get(f"{guarded.url}api/status", cookies={"nbctl-session": cookie}, timeout=10)
        assert answer.status_code == 401


def test_the_controllers_probe_token_reaches_jupyters_api(guarded: Guarded) -> None:
    token = mint(guarded.key, Purpose.PROBE, NOTEBOOK)
    answer = requests.get(
        f"{guarded.url}api/status", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert answer.status_code == 200 and "started" in answer.json()
    session = mint(guarded.key, Purpose.SESSION, NOTEBOOK)
    wrong = requests.get(
        f"{guarded.url}api/status", headers={"Authorization": f"Bearer {session}"}, timeout=10
    )
    assert wrong.status_code == 401


def test_the_probe_token_reads_activity_only_it_runs_no_code_and_reads_no_file(guarded: Guarded) -> None:
    probe = requests.Session()
    probe.headers["Authorization"] = f"Bearer {mint(guarded.key, Purpose.PROBE, NOTEBOOK)}"
    for path in ("api/status", "api/kernels", "api/terminals"):
        assert probe.get(f"{guarded.url}{path}", params={"no_track_activity": "1"}, timeout=10).ok, path
    owner = _opened(guarded)
    owner.put_file("secret.txt", "mine\n")
    refused = [
        probe.get(f"{guarded.url}api/contents/secret.txt", timeout=10),
        probe.post(f"{guarded.url}api/kernels", json={}, timeout=10),
        probe.post(f"{guarded.url}api/terminals", timeout=10),
        probe.get(f"{guarded.url}lab", timeout=10),
        probe.get(f"{guarded.url}api/kernels/../contents/secret.txt", timeout=10),
    ]
    for answer in refused:
        assert answer.status_code == 403, (answer.request.url, answer.status_code)
        assert "reads only Jupyter's activity" in answer.json()["message"]
    with pytest.raises(websocket.WebSocketBadStatusException):
        websocket.create_connection(
            f"{guarded.url.replace('http', 'ws', 1)}terminals/websocket/1",
            header=[f"Authorization: {probe.headers['Authorization']}"],
            timeout=10,
        )


def test_a_probe_tells_the_notebook_its_culling_state_and_only_the_pod_itself_reads_it(
    guarded: Guarded,
) -> None:
    state = {"state": "Warning", "reason": "Idle", "stopAt": "2026-12-03T15:00:00Z"}
    probe = {"Authorization": f"Bearer {mint(guarded.key, Purpose.PROBE, NOTEBOOK)}"}
    said = requests.get(
        f"{guarded.url}api/status",
        headers={**probe, "X-Nbctl-Culling": json.dumps(state)},
        timeout=10,
    )
    assert said.ok
    assert requests.get(f"{guarded.guard}/nbctl-guard/culling", timeout=10).json() == state
    # Not through a route (which sets X-Forwarded-For), and nobody but a probe sets it
    routed = requests.get(
        f"{guarded.guard}/nbctl-guard/culling", headers={"X-Forwarded-For": "10.0.0.9"}, timeout=10
    )
    assert routed.status_code == 404
    owner = _opened(guarded)
    forged = owner.session.get(
        f"{guarded.url}api/status", headers={"X-Nbctl-Culling": json.dumps({"state": "Active"})}, timeout=10
    )
    assert forged.ok
    assert requests.get(f"{guarded.guard}/nbctl-guard/culling", timeout=10).json() == state


def test_files_of_any_size_and_a_kernel_work_through_the_guard(guarded: Guarded) -> None:
    client = _opened(guarded)
    big = "x" * (6 << 20) + "\n"
    client.put_file("big.txt", big)
    assert client.get_file("big.txt").json()["content"] == big
    kernel = client.start_kernel()
    assert client.execute(kernel, "6 * 7") == "42"


def test_a_websocket_from_another_site_is_refused_even_with_the_cookie(guarded: Guarded) -> None:
    client = _opened(guarded)
    kernel = client.start_kernel()
    url = guarded.url.replace("http://", "ws://") + f"api/kernels/{kernel}/channels"
    cookie = "; ".join(f"{k}={v}" for k, v in client.session.cookies.items())
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(url, cookie=cookie, origin="https://evil.example", timeout=10)
    assert refused.value.status_code == 403


def test_the_kubelets_probes_get_only_what_they_need(guarded: Guarded) -> None:
    assert requests.get(f"{guarded.guard}/nbctl-guard/ready", timeout=10).status_code == 200
    assert requests.get(f"{guarded.guard}/nbctl-guard/http{PREFIX}api/status", timeout=10).status_code == 200
    # Only the probes' own paths: not a way to learn which files exist.
    unlisted = requests.get(f"{guarded.guard}/nbctl-guard/http{PREFIX}api/contents/key", timeout=10)
    assert unlisted.status_code == 404 and unlisted.content == b""


def test_the_key_is_read_again_when_the_secret_changes(guarded: Guarded, tmp_path: Path) -> None:
    # A new key (the Secret deleted and made again) ends every session of the old one.
    client = _opened(guarded)
    assert client.status().status_code == 200
    old_key, key_file = guarded.key, guarded.key_file
    new = new_key()
    replacement = tmp_path / "key"
    replacement.write_bytes(new)
    os.replace(replacement, key_file)  # atomically, as the kubelet swaps a Secret's files
    try:
        assert client.status().status_code == 401
        guarded.key = new
        assert _opened(guarded).status().status_code == 200
    finally:
        old = tmp_path / "old"
        old.write_bytes(old_key)
        os.replace(old, key_file)
        guarded.key = old_key


def test_the_notebooks_own_jupyterlab_shows_the_warning_and_its_keep_running_is_use(guarded: Guarded) -> None:
    probe = {"Authorization": f"Bearer {mint(guarded.key, Purpose.PROBE, NOTEBOOK)}"}
    warning = {
        "reason": "IdleWarning",
        "message": "The notebook stops at 15:00 UTC after 30 minutes idle.",
        "stopAt": "2026-12-03T15:00:00Z",
        "keepAlive": "1h",
    }
    requests.get(
        f"{guarded.url}api/status", headers={**probe, "X-Nbctl-Culling": json.dumps(warning)}, timeout=10
    ).raise_for_status()
    owner = _opened(guarded)
    seen = owner.session.get(f"{guarded.url}nbctl/api/self", timeout=10).json()
    assert seen == {
        "inside": True,
        "culling": {
            "state": "Warning",
            "reason": "IdleWarning",
            "message": warning["message"],
            "stopAt": warning["stopAt"],
            "keepAlive": "1h",
        },
    }

    # Polling it is not use; pressing Keep running is, as the next probe reads in api/status
    def last_activity() -> str:
        return str(
            requests.get(f"{guarded.url}api/status", headers=probe, timeout=10).json()["last_activity"]
        )

    before = last_activity()
    owner.session.get(f"{guarded.url}nbctl/api/self", timeout=10)
    assert last_activity() == before
    time.sleep(0.01)
    kept = owner.session.post(f"{guarded.url}nbctl/api/self/keep-running", headers=owner._xsrf(), timeout=10)
    assert kept.status_code == 200, kept.text
    assert last_activity() > before


def test_outside_a_notebook_the_self_view_says_so() -> None:
    import asyncio

    from jupyter_nbctl.inside import read_self

    view = asyncio.run(read_self(f"http://127.0.0.1:{_free_port()}/nbctl-guard/culling"))
    assert view.inside is False and view.culling is None
