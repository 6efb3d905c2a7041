"""The notebook's own view of itself, when this Jupyter Server runs inside a jupyter-nbctl notebook.

The notebook's guard (in the same pod, on loopback) keeps what the controller's
last probe said of the notebook's culling (nbctl_guard.proxy); this reads it,
so that the notebook's own JupyterLab warns its user before an idle stop. No
Kubernetes credentials are needed: outside a notebook nothing answers on the
guard's port, and the view says so.
"""

from __future__ import annotations

import json

from tornado.httpclient import AsyncHTTPClient, HTTPClientError

from jupyter_nbctl.api_models import CullingView, SelfView
from jupyter_nbctl.models.culling import STATES


async def read_self(guard_url: str, timeout: float = 2.0) -> SelfView:
    """What the guard at `guard_url` (its culling path) was told, or `inside: false` without one."""
    try:
        answer = await AsyncHTTPClient().fetch(guard_url, request_timeout=timeout, connect_timeout=timeout)
        said = json.loads(answer.body or b"{}")
    except (HTTPClientError, OSError, ValueError):
        return SelfView(inside=False)
    if not isinstance(said, dict):
        return SelfView(inside=False)
    reason = str(said.get("reason") or "")
    if reason not in STATES:
        return SelfView(inside=True)
    return SelfView(
        inside=True,
        culling=CullingView(
            state=STATES[reason],  # type: ignore[arg-type]
            reason=reason,
            message=str(said.get("message") or ""),
            stop_at=said.get("stopAt"),
            keep_alive=said.get("keepAlive"),
            kept_until=said.get("keptUntil"),
        ),
    )
