"""The guard: a reverse proxy beside Jupyter in the notebook's pod that lets through only the owner.

The notebook's Service and route lead here, not to Jupyter, whose own port the pod's
`nbctl-lock-port` init container closes to all but loopback (see nbctl_controller.guard). A
request passes with a valid session cookie, or with a one-use ticket from the panel's Open, which
the guard trades for the session cookie and a redirect to the same address without the ticket.
The controller's probe token reads only Jupyter's activity (GET of api/status, api/kernels and
api/terminals): it runs no code and reads no file. Everything else gets 401. Kubeflow's images start
Jupyter with no token of its own: the guard is the only door.

A probe may carry the notebook's culling state (`X-Nbctl-Culling`, JSON); the guard keeps the last
one and serves it at /nbctl-guard/culling to the pod's own loopback only, where the notebook's own
JupyterLab (jupyter-nbctl's `self` API) reads it to warn its user before an idle stop.

HTTP is streamed both ways (uploads and downloads of any size); WebSockets (kernels, terminals) are
relayed message by message, with the subprotocol Jupyter chose. A WebSocket from another origin is
refused: Kubeflow's images allow every origin, and the session cookie must not open a kernel to a
page of another site.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import aiohttp
from aiohttp import web

from nbctl_guard.tickets import CULLING_HEADER, GUARD_PORT, SESSION_COOKIE, TICKET_PARAM, Purpose, check, mint

log = logging.getLogger("nbctl_guard")

OWN = "/nbctl-guard/"  # the guard's own paths; outside every notebook's prefix, so no route reaches them
PROBED = ("api/status", "api/kernels", "api/terminals")  # all a probe token may read
_CULLING_LOWER = CULLING_HEADER.lower()
_CULLING_MAX = 4096  # bytes: a condition message and a few timestamps
_LOOPBACK = {"127.0.0.1", "::1"}
# Not forwarded either way (RFC 9110, 7.6.1), nor the ones aiohttp sets itself.
_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
}


@dataclass
class Settings:
    port: int  # where the guard listens
    upstream: int  # Jupyter's port, on loopback
    notebook: str  # namespace/name
    prefix: str  # the notebook's path, /notebook/<ns>/<name>
    key_file: Path
    probe_paths: tuple[str, ...] = ()  # the HTTP paths the kubelet's probes may ask Jupyter without a login

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            port=int(env.get("NBCTL_GUARD_PORT", str(GUARD_PORT))),
            upstream=int(env["NBCTL_GUARD_UPSTREAM"]),
            notebook=env["NBCTL_GUARD_NOTEBOOK"],
            prefix=env.get("NBCTL_GUARD_PREFIX", "").rstrip("/"),
            key_file=Path(env.get("NBCTL_GUARD_KEY_FILE", "/var/run/nbctl-guard/key")),
            probe_paths=tuple(json.loads(env.get("NBCTL_GUARD_PROBE_PATHS", "[]"))),
        )


@dataclass
class _Key:
    """The notebook's key, read again when the kubelet updates the Secret's file."""

    path: Path
    _stamp: tuple[int, int] | None = None
    _value: bytes = b""

    def get(self) -> bytes:
        stat = self.path.stat()
        stamp = (stat.st_ino, stat.st_mtime_ns)
        if stamp != self._stamp:
            self._value, self._stamp = self.path.read_bytes(), stamp
        return self._value


@dataclass
class Guard:
    settings: Settings
    key: _Key = field(init=False)
    used: dict[str, int] = field(default_factory=dict)  # one-use tickets' nonces, until they expire
    client: aiohttp.ClientSession | None = None
    culling: dict[str, object] = field(default_factory=dict)  # the last a probe said, for the pod itself

    def __post_init__(self) -> None:
        self.key = _Key(self.settings.key_file)

    # ------------------------------------------------------------------ who

    def _key(self) -> bytes | None:
        """The notebook's key, or None (logged) while its file cannot be read: nothing passes then."""
        try:
            return self.key.get()
        except OSError:
            log.exception("the notebook's key cannot be read")
            return None

    def _valid(self, purpose: Purpose, token: str | None) -> bool:
        key = self._key() if token else None
        return key is not None and check(key, purpose, self.settings.notebook, token or "") is not None

    def _trade(self, ticket: str) -> str | None:
        """A session for a live ticket used for the first time, else None."""
        key = self._key()
        if key is None:
            return None
        checked = check(key, Purpose.TICKET, self.settings.notebook, ticket)
        now = int(time.time())
        self.used = {nonce: until for nonce, until in self.used.items() if until >= now}
        if checked is None or checked.nonce in self.used:
            return None
        self.used[checked.nonce] = checked.expires
        return mint(key, Purpose.SESSION, self.settings.notebook)

    def _session(self, request: web.Request) -> str | None:
        return request.cookies.get(SESSION_COOKIE)

    def _bearer(self, request: web.Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" else None

    # --------------------------------------------------------------- routes

    async def handle(self, request: web.Request) -> web.StreamResponse:
        if request.path.startswith(OWN):
            return await self._own(request)
        if TICKET_PARAM in request.query:
            return self._arrive(request)
        if not self._valid(Purpose.SESSION, self._session(request)):
            if not self._valid(Purpose.PROBE, self._bearer(request)):
                return _refuse(request)
            if not self._probed(request):
                return web.json_response(
                    {"message": "A probe token reads only Jupyter's activity.", "reason": "Forbidden"},
                    status=403,
                )
            self._note_culling(request)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self._relay(request)
        return await self._forward(request)

    def _arrive(self, request: web.Request) -> web.StreamResponse:
        session = self._trade(request.query[TICKET_PARAM]) if request.method == "GET" else None
        # A tab restored with its old address: the browser has its session already.
        known = session is None and self._valid(Purpose.SESSION, self._session(request))
        if session is None and not known:
            return _refuse(request, "This link was used already or has expired. Open the notebook again.")
        rest = [(k, v) for k, v in request.query.items() if k != TICKET_PARAM]
        # Relative, so that it holds whatever path the route rewrote on the way in.
        last = request.path.rsplit("/", 1)[-1] or "./"
        response = web.Response(
            status=302,
            headers={
                "Location": last + (f"?{urlencode(rest)}" if rest else ""),
                "Cache-Control": "no-store",
                "Referrer-Policy": "no-referrer",
            },
        )
        if session is None:
            return response
        response.set_cookie(
            SESSION_COOKIE,
            session,
            path=f"{self.settings.prefix}/",
            max_age=Purpose.SESSION.ttl,
            httponly=True,
            samesite="Lax",
            secure=_scheme(request) == "https",
        )
        return response

    def _probed(self, request: web.Request) -> bool:
        """Whether a request with the probe token asks only for Jupyter's activity."""
        if request.method != "GET" or request.headers.get("Upgrade"):
            return False
        # The path as sent, not as normalised: what Jupyter is asked is the raw one.
        path = request.raw_path.partition("?")[0]
        return path == request.path and path in {f"{self.settings.prefix}/{p}" for p in PROBED}

    def _note_culling(self, request: web.Request) -> None:
        said = request.headers.get(CULLING_HEADER)
        if said is None or len(said) > _CULLING_MAX:
            return
        try:
            culling = json.loads(said)
        except ValueError:
            return
        if isinstance(culling, dict):
            self.culling = culling

    async def _own(self, request: web.Request) -> web.StreamResponse:
        """The kubelet's probes: Jupyter's port is closed to it, so it asks the guard."""
        what = request.path[len(OWN) :]
        if what == "culling":
            # Only the pod itself: what its owner's notebook is told, not something to read from outside.
            if request.remote not in _LOOPBACK or request.headers.get("X-Forwarded-For"):
                return web.Response(status=404)
            return web.json_response(self.culling, headers={"Cache-Control": "no-store"})
        if what == "ready":
            try:
                _, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.settings.upstream), 2
                )
            except (OSError, TimeoutError):
                return web.Response(status=503, text="the notebook's server does not listen yet\n")
            writer.close()
            return web.Response(text="ok\n")
        if what.startswith("http/") and (path := what[len("http") :]) in self.settings.probe_paths:
            assert self.client is not None
            try:
                async with self.client.get(self._upstream(path), allow_redirects=False) as answer:
                    return web.Response(status=answer.status)
            except aiohttp.ClientError:
                return web.Response(status=503)
        return web.Response(status=404)

    # ---------------------------------------------------------------- relay

    def _upstream(self, path_qs: str, scheme: str = "http") -> str:
        return f"{scheme}://127.0.0.1:{self.settings.upstream}{path_qs}"

    def _headers(self, request: web.Request) -> dict[str, str]:
        headers = {
            k: v for k, v in request.headers.items() if k.lower() not in _HOP and k.lower() != _CULLING_LOWER
        }
        if self._bearer(request):
            headers.pop("Authorization", None)  # the probe token is the guard's, not Jupyter's
        if "Cookie" in headers:
            kept = _without_cookie(headers.pop("Cookie"), SESSION_COOKIE)
            if kept:
                headers["Cookie"] = kept
        # Jupyter sees the address the browser used (its origin checks compare with it).
        headers["Host"] = request.headers.get("Host", request.host)
        peer = request.remote or ""
        forwarded = request.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{forwarded}, {peer}" if forwarded else peer
        headers.setdefault("X-Forwarded-Proto", _scheme(request))
        return headers

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        assert self.client is not None
        body = request.content if request.body_exists else None
        try:
            upstream = await self.client.request(
                request.method,
                self._upstream(request.raw_path),
                headers=self._headers(request),
                data=body,
                allow_redirects=False,
            )
        except aiohttp.ClientError as err:
            return web.Response(status=502, text=f"The notebook's server does not answer: {err}\n")
        async with upstream:
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in _HOP:
                    response.headers.add(name, value)
            await response.prepare(request)
            async for chunk in upstream.content.iter_any():
                await response.write(chunk)
            await response.write_eof()
            return response

    async def _relay(self, request: web.Request) -> web.StreamResponse:
        assert self.client is not None
        origin = request.headers.get("Origin")
        if origin and urlsplit(origin).netloc != request.headers.get("Host", request.host):
            return web.Response(status=403, text="A WebSocket from another site is refused.\n")
        protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p]
        headers = {
            k: v for k, v in self._headers(request).items() if not k.lower().startswith("sec-websocket")
        }
        try:
            upstream = await self.client.ws_connect(
                self._upstream(request.raw_path, "ws"),
                headers=headers,
                protocols=protocols,
                max_msg_size=0,
                autoping=True,
            )
        except (aiohttp.ClientError, aiohttp.WSServerHandshakeError) as err:
            return web.Response(status=502, text=f"The notebook's server refused the WebSocket: {err}\n")
        downstream = web.WebSocketResponse(
            protocols=[upstream.protocol] if upstream.protocol else (), max_msg_size=0
        )
        await downstream.prepare(request)

        async def pump(source: _Socket, sink: _Socket) -> None:
            async for message in source:
                if message.type == aiohttp.WSMsgType.TEXT:
                    await sink.send_str(message.data)
                elif message.type == aiohttp.WSMsgType.BINARY:
                    await sink.send_bytes(message.data)
                else:
                    break
            await sink.close(code=source.close_code or aiohttp.WSCloseCode.OK)

        tasks = [
            asyncio.ensure_future(pump(downstream, upstream)),
            asyncio.ensure_future(pump(upstream, downstream)),
        ]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            with contextlib.suppress(Exception):
                await upstream.close()
        return downstream


_Socket = aiohttp.ClientWebSocketResponse | web.WebSocketResponse


def _scheme(request: web.Request) -> str:
    return request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()


def _without_cookie(header: str, name: str) -> str:
    """The Cookie header without one cookie, the others exactly as they came."""
    pairs = [p.strip() for p in header.split(";")]
    return "; ".join(p for p in pairs if p and p.partition("=")[0].strip() != name)


def _refuse(request: web.Request, why: str | None = None) -> web.Response:
    why = why or "This notebook is its owner's: open it from the notebooks panel, as its owner."
    if "text/html" in request.headers.get("Accept", ""):
        page = f"<!doctype html><meta charset=utf-8><title>Not yours, or not yet</title><p>{why}</p>"
        return web.Response(status=401, text=page, content_type="text/html")
    return web.json_response({"message": why, "reason": "Unauthorized"}, status=401)


def app(settings: Settings) -> web.Application:
    guard = Guard(settings)
    application = web.Application()

    async def client(_: web.Application) -> AsyncIterator[None]:
        guard.client = aiohttp.ClientSession(
            # Loopback to one server: no pool limit (every open kernel holds a WebSocket).
            connector=aiohttp.TCPConnector(limit=0),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10),
        )
        yield
        await guard.client.close()

    application.cleanup_ctx.append(client)
    application.router.add_route("*", "/{tail:.*}", guard.handle)
    return application
