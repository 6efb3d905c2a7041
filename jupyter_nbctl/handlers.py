"""HTTP in, calls to the NotebookService, JSON out. Nothing else lives here.

Every verb is authenticated; non-GET verbs are XSRF-checked by Jupyter
Server as for any APIHandler. Blocking Kubernetes calls run in a worker
thread, never on the event loop. Polling endpoints do not count as user
activity, so a server with the panel open can still be culled as idle.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jupyter_server.base.handlers import APIHandler
from jupyter_server.extension.handler import ExtensionHandlerMixin
from pydantic import BaseModel, ValidationError
from tornado import web

from jupyter_nbctl.api_models import (
    ErrorBody,
    EventList,
    Identity,
    LaunchRequest,
    LogsView,
    NotebookList,
    NotebookView,
    OpenView,
    ResizeRequest,
    SelfView,
    TemplateList,
    UpdateView,
    WorkspaceList,
)
from jupyter_nbctl.inside import read_self
from jupyter_nbctl.service import NbctlError, NotebookService

NAME = r"(?P<name>[^/]+)"


class ApiError(web.HTTPError):
    """An NbctlError on its way out: tornado sets the status, write_error the body."""

    def __init__(self, error: NbctlError) -> None:
        super().__init__(error.status)
        self.error = error


class NbctlHandler(ExtensionHandlerMixin, APIHandler):
    """The base of every handler: the service, error replies, off-loop calls."""

    @property
    def service(self) -> NotebookService:
        factory: Callable[[], NotebookService] = self.settings["nbctl_service"]
        return factory()

    async def call(self, method: str, *args: Any) -> Any:
        def work() -> Any:
            return getattr(self.service, method)(*args)

        try:
            return await asyncio.to_thread(work)
        except NbctlError as err:
            raise ApiError(err) from None

    def body(self, model: type[BaseModel]) -> Any:
        """The request body as a model, or a 400 that names each bad field."""
        try:
            raw = json.loads(self.request.body or b"{}")
        except ValueError as err:
            raise ApiError(NbctlError(400, f"The request body is not JSON: {err}", "MalformedBody")) from None
        try:
            return model.model_validate(raw)
        except ValidationError as err:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in err.errors()
            )
            raise ApiError(NbctlError(400, f"Invalid request: {problems}", "Invalid")) from None

    def reply(self, model: BaseModel | None, status: int = 200) -> None:
        self.set_status(status)
        if model is None:
            self.finish()
        else:
            self.set_header("Content-Type", "application/json")
            self.finish(model.model_dump_json(by_alias=True, exclude_none=True))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ApiError):
            body = ErrorBody(message=exc.error.message, reason=exc.error.reason)
        elif isinstance(exc, web.HTTPError):
            body = ErrorBody(message=exc.log_message or self._reason, reason=exc.reason or self._reason)
        else:
            body = ErrorBody(message="The server failed; its log says why.", reason="InternalError")
        self.set_header("Content-Type", "application/json")
        self.finish(body.model_dump_json(by_alias=True, exclude_none=True))


class PollingHandler(NbctlHandler):
    # The panel polls these: reading them is not user activity.
    _track_activity = False


class WhoAmIHandler(PollingHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call("whoami"))


class TemplatesHandler(PollingHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call("templates"))


class NotebooksHandler(PollingHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call("notebooks"))

    @web.authenticated
    async def post(self) -> None:
        request = self.body(LaunchRequest)
        self.reply(await self.call("launch", request), 201)


class NotebookHandler(PollingHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call("notebook", name))

    @web.authenticated
    async def delete(self, name: str) -> None:
        await self.call("delete", name, self.get_query_argument("workspace", "keep"))
        self.reply(None, 204)


class StopHandler(NbctlHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call("stop", name))


class KeepRunningHandler(NbctlHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call("keep_running", name))


class StartHandler(NbctlHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call("start", name))


class UpdateHandler(NbctlHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call("update_preview", name))

    @web.authenticated
    async def post(self, name: str) -> None:
        self.reply(await self.call("update", name))


class ResizeHandler(NbctlHandler):
    @web.authenticated
    async def post(self, name: str) -> None:
        request = self.body(ResizeRequest)
        self.reply(await self.call("resize", name, request))


class OpenHandler(NbctlHandler):
    # POST, not a GET link: minting a credential is an action, behind Jupyter's XSRF check.
    @web.authenticated
    async def post(self, name: str) -> None:
        self.set_header("Cache-Control", "no-store")
        self.reply(await self.call("open", name))


class WorkspacesHandler(PollingHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await self.call("workspaces"))


class WorkspaceHandler(NbctlHandler):
    @web.authenticated
    async def delete(self, name: str) -> None:
        await self.call("delete_workspace", name)
        self.reply(None, 204)


class EventsHandler(PollingHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call("events", name))


class LogsHandler(PollingHandler):
    @web.authenticated
    async def get(self, name: str) -> None:
        self.reply(await self.call("logs", name))


class SelfHandler(PollingHandler):
    @web.authenticated
    async def get(self) -> None:
        self.reply(await read_self(self.settings["nbctl_guard_culling_url"]))


class SelfKeepRunningHandler(NbctlHandler):
    # Tracked, unlike the polls: the press is its user's use of this notebook, which the
    # controller's next probe sees in api/status, and the idle time starts again.
    @web.authenticated
    async def post(self) -> None:
        view = await read_self(self.settings["nbctl_guard_culling_url"])
        if not view.inside:
            raise ApiError(NbctlError(409, "This server does not run inside a notebook.", "NotInside"))
        self.reply(view)


class OpenAPIHandler(PollingHandler):
    @web.authenticated
    async def get(self) -> None:
        from jupyter_nbctl.openapi import document

        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(document()))


@dataclass(frozen=True)
class Operation:
    """One verb of one route, as the OpenAPI document describes it."""

    summary: str
    response: type[BaseModel] | None
    status: int = 200
    request: type[BaseModel] | None = None


@dataclass(frozen=True)
class Route:
    path: str  # OpenAPI form, below /nbctl/api
    handler: type[NbctlHandler]
    operations: dict[str, Operation]

    @property
    def pattern(self) -> str:
        return "/nbctl/api" + self.path.replace("{name}", NAME)


ROUTES = [
    Route(
        "/whoami",
        WhoAmIHandler,
        {"get": Operation("Who the server acts as, and in which namespace", Identity)},
    ),
    Route(
        "/templates", TemplatesHandler, {"get": Operation("The templates the user may launch", TemplateList)}
    ),
    Route(
        "/notebooks",
        NotebooksHandler,
        {
            "get": Operation("The user's notebooks", NotebookList),
            "post": Operation("Launch a notebook", NotebookView, 201, LaunchRequest),
        },
    ),
    Route(
        "/notebooks/{name}",
        NotebookHandler,
        {
            "get": Operation("One notebook", NotebookView),
            "delete": Operation(
                "Delete a notebook; ?workspace=delete deletes its workspace too (default: keep)", None, 204
            ),
        },
    ),
    Route("/notebooks/{name}/stop", StopHandler, {"post": Operation("Stop a notebook", NotebookView)}),
    Route("/notebooks/{name}/start", StartHandler, {"post": Operation("Start a notebook", NotebookView)}),
    Route(
        "/notebooks/{name}/keep-running",
        KeepRunningHandler,
        {
            "post": Operation(
                "Postpone an idle stop, as far as the template's culling.keepAlive allows from now",
                NotebookView,
            )
        },
    ),
    Route(
        "/notebooks/{name}/resize",
        ResizeHandler,
        {
            "post": Operation(
                "Resize a notebook (new resources restart it; a bigger workspace does not)",
                NotebookView,
                200,
                ResizeRequest,
            )
        },
    ),
    Route(
        "/notebooks/{name}/update",
        UpdateHandler,
        {
            "get": Operation("What an update would change, and whether it restarts the notebook", UpdateView),
            "post": Operation("Move a notebook to its template's newest revision", NotebookView),
        },
    ),
    Route(
        "/notebooks/{name}/open",
        OpenHandler,
        {
            "post": Operation(
                "A one-use address that opens the notebook (its guard lets only its owner in)", OpenView
            )
        },
    ),
    Route(
        # Not /workspaces: JupyterLab's own /api/workspaces are layouts, and tools that mock that
        # path (Galata) would answer for ours.
        "/workspace-claims",
        WorkspacesHandler,
        {"get": Operation("The user's workspaces, kept ones first", WorkspaceList)},
    ),
    Route(
        "/workspace-claims/{name}",
        WorkspaceHandler,
        {"delete": Operation("Delete a kept workspace", None, 204)},
    ),
    Route(
        "/self",
        SelfHandler,
        {"get": Operation("This server's own notebook, when it runs inside one: its culling", SelfView)},
    ),
    Route(
        "/self/keep-running",
        SelfKeepRunningHandler,
        {
            "post": Operation(
                "Use this notebook (from inside it): its idle time starts again at the next probe", SelfView
            )
        },
    ),
    Route("/notebooks/{name}/events", EventsHandler, {"get": Operation("A notebook's events", EventList)}),
    Route("/notebooks/{name}/logs", LogsHandler, {"get": Operation("The end of a notebook's log", LogsView)}),
]


def handlers() -> list[tuple[str, type[NbctlHandler]]]:
    """The route table: every API route, plus the OpenAPI document."""
    return [(r.pattern, r.handler) for r in ROUTES] + [("/nbctl/api/openapi.json", OpenAPIHandler)]
