"""Tickets, sessions and probe tokens of a notebook's guard: signed with the notebook's own key.

Each notebook has a random key in its access Secret (`nbctl-notebook-<name>`), readable through its
owner's Role. Whoever holds the key mints tokens for that notebook, and only for it:

- a **ticket** (the panel's Open): one use, two minutes, traded by the guard for a session;
- a **session** (the guard's cookie): twelve hours, for the browser that traded a ticket;
- a **probe** token (the controller): reusable for a few minutes, in an Authorization header; it
  reads Jupyter's activity only (nbctl_guard.proxy).

A token is `<expiry>.<nonce>.<mac>`, the MAC an HMAC-SHA256 over its purpose, the notebook
(`namespace/name`), the expiry and the nonce; so a token of one purpose or notebook is worth nothing
for another. Standard library only: the extension, the controller and the guard all import this.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from enum import Enum

ACCESS_SECRET_PREFIX = "nbctl-notebook-"  # + the notebook's name: the Secret with its key
KEY_BYTES = 32
SECRET_KEY = "key"  # the key's name in the access Secret's data
TICKET_PARAM = "nbctl-ticket"
SESSION_COOKIE = "nbctl-session"
GUARD_PORT = 4180  # where the guard listens in every notebook's pod
CULLING_HEADER = "X-Nbctl-Culling"  # a probe's word to the notebook on its culling (nbctl_guard.proxy)
GUARD_CULLING_PATH = "/nbctl-guard/culling"  # where the pod itself reads it


class Purpose(Enum):
    TICKET = ("ticket", 120)
    SESSION = ("session", 12 * 3600)
    PROBE = ("probe", 300)

    def __init__(self, label: str, ttl: int) -> None:
        self.label = label
        self.ttl = ttl


@dataclass(frozen=True)
class Checked:
    """A token found valid: its nonce (for one-use tickets) and when it expires."""

    nonce: str
    expires: int


def access_secret_name(notebook: str) -> str:
    """The Secret holding the notebook's key, in the notebook's namespace (named as its owner's Role)."""
    return f"{ACCESS_SECRET_PREFIX}{notebook}"


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _mac(key: bytes, purpose: Purpose, notebook: str, expires: int, nonce: str) -> str:
    message = "\n".join((purpose.label, notebook, str(expires), nonce)).encode()
    raw = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def mint(key: bytes, purpose: Purpose, notebook: str, now: float | None = None) -> str:
    """A token of `purpose` for the notebook `namespace/name`."""
    expires = int((time.time() if now is None else now) + purpose.ttl)
    nonce = secrets.token_urlsafe(12)
    return f"{expires}.{nonce}.{_mac(key, purpose, notebook, expires, nonce)}"


def check(
    key: bytes, purpose: Purpose, notebook: str, token: str, now: float | None = None
) -> Checked | None:
    """The token's nonce and expiry if it is a live token of `purpose` for this notebook, else None."""
    expires_text, _, rest = token.partition(".")
    nonce, _, mac = rest.partition(".")
    if not (expires_text.isdigit() and nonce and mac) or len(token) > 200:
        return None
    expires = int(expires_text)
    if expires < (time.time() if now is None else now):
        return None
    if not hmac.compare_digest(mac, _mac(key, purpose, notebook, expires, nonce)):
        return None
    return Checked(nonce, expires)
