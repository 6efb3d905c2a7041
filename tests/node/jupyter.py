"""A client of a notebook's own Jupyter server, as a browser would use it through the gateway,
and of a user's extension API, as the panel calls it.

A notebook's guard lets through only its owner's browser: `open_notebook` opens it as the panel's
Open does (a one-use ticket from the extension, traded for a session cookie); `keyed_client`
carries a probe token made with the notebook's key, as the controller's probes do.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from typing import Any

import requests
import websocket
from nbctl_guard.tickets import SECRET_KEY, Purpose, access_secret_name, mint

from devcluster.clients import Kube
from devcluster.jupyter import JupyterServer
from tests.eventually import eventually


@dataclass
class NotebookClient:
    """Jupyter's REST API and a kernel's websocket at `base` (ending in the notebook's prefix and /)."""

    base: str
    session: requests.Session = field(default_factory=requests.Session)

    def status(self, timeout: float = 5) -> requests.Response:
        return self.session.get(f"{self.base}api/status", timeout=timeout)

    def _xsrf(self) -> dict[str, str]:
        # Jupyter sets its XSRF cookie on the first page a browser loads.
        if "_xsrf" not in self.session.cookies:
            self.session.get(f"{self.base}lab", timeout=10).raise_for_status()
        return {"X-XSRFToken": self.session.cookies["_xsrf"]}

    def put_file(self, path: str, text: str) -> dict[str, Any]:
        body = {"type": "file", "format": "text", "content": text}
        response = self.session.put(
            f"{self.base}api/contents/{path}", json=body, headers=self._xsrf(), timeout=10
        )
        response.raise_for_status()
        return response.json()

    def get_file(self, path: str) -> requests.Response:
        return self.session.get(f"{self.base}api/contents/{path}", params={"content": "1"}, timeout=10)

    def start_kernel(self) -> str:
        response = self.session.post(f"{self.base}api/kernels", json={}, headers=self._xsrf(), timeout=30)
        response.raise_for_status()
        return str(response.json()["id"])

    def _websocket(self, path: str, timeout: float) -> websocket.WebSocket:
        url = self.base.replace("http://", "ws://", 1) + path
        cookie = "; ".join(f"{k}={v}" for k, v in self.session.cookies.items())
        return websocket.create_connection(url, timeout=timeout, cookie=cookie)

    @staticmethod
    def _execute_request(code: str) -> tuple[str, str]:
        msg_id = uuid.uuid4().hex
        message = {
            "header": {
                "msg_id": msg_id,
                "username": "test",
                "session": uuid.uuid4().hex,
                "msg_type": "execute_request",
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "content": {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
            },
            "channel": "shell",
            "buffers": [],
        }
        return msg_id, json.dumps(message)

    def submit(self, kernel: str, code: str) -> None:
        """Start `code` in the kernel and go: it runs on after the websocket closes."""
        ws = self._websocket(f"api/kernels/{kernel}/channels", 30)
        try:
            ws.send(self._execute_request(code)[1])
            time.sleep(1)  # the kernel has the request before the channel goes
        finally:
            ws.close()

    def terminal(self, command: str) -> websocket.WebSocket:
        """A new terminal running `command`, with its websocket open (as a browser tab keeps it)."""
        response = self.session.post(f"{self.base}api/terminals", headers=self._xsrf(), timeout=30)
        response.raise_for_status()
        ws = self._websocket(f"terminals/websocket/{response.json()['name']}", 30)
        ws.send(json.dumps(["stdin", command + "\n"]))
        return ws

    def execute(self, kernel: str, code: str, timeout: float = 60) -> str:
        """Run `code` in the kernel over its websocket; returns the text/plain result."""
        ws = self._websocket(f"api/kernels/{kernel}/channels", timeout)
        try:
            msg_id, request = self._execute_request(code)
            ws.send(request)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                message = json.loads(ws.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                if message["msg_type"] == "execute_result":
                    return str(message["content"]["data"]["text/plain"])
                if message["msg_type"] == "error":
                    raise RuntimeError(f"the kernel raised {message['content']['ename']}")
            raise TimeoutError(f"no result of {code!r} within {timeout}s")
        finally:
            ws.close()


class Refused(Exception):
    """A 4xx or 5xx from the extension's API, with its JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


def extension_api(server: JupyterServer, method: str, path: str, body: dict | None = None) -> dict:
    """Call the server's /nbctl/api as the panel does; a refusal raises Refused."""
    request = urllib.request.Request(
        f"{server.url}/nbctl/api{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"token {server.token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"{}")  # type: ignore[no-any-return]
    except urllib.error.HTTPError as err:
        raise Refused(err.code, json.loads(err.read() or b"{}")) from err


def open_notebook(server: JupyterServer, name: str, timeout: float = 150) -> NotebookClient:
    """Open the notebook as the panel does, once its server answers: a client with its session."""

    def trade() -> NotebookClient | int:
        url = extension_api(server, "POST", f"/notebooks/{name}/open")["url"]
        client = NotebookClient(url.partition("?")[0])
        try:
            answer = client.session.get(url, timeout=10)  # the guard's redirect, then JupyterLab's page
        except requests.RequestException:
            return 0
        return client if answer.status_code == 200 else answer.status_code

    opened = eventually(
        trade,
        lambda c: isinstance(c, NotebookClient),
        timeout=timeout,
        interval=1,
        what=f"notebook {name} to open",
    )
    assert isinstance(opened, NotebookClient)
    return opened


def notebook_key(kube: Kube, namespace: str, name: str) -> bytes:
    secret = kube.core.read_namespaced_secret(access_secret_name(name), namespace)
    return base64.b64decode(secret.data[SECRET_KEY])


def keyed_client(base: str, key: bytes, notebook: str) -> NotebookClient:
    """A client with a probe token of the notebook (`namespace/name`), as the controller's probes."""
    client = NotebookClient(base)
    client.session.headers["Authorization"] = f"Bearer {mint(key, Purpose.PROBE, notebook)}"
    return client
