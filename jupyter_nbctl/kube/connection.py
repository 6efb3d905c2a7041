"""Where the API server is and how to prove who we are: kubeconfig, in-cluster, or the official client's.

The controller reads its kubeconfig (or its ServiceAccount's files) here and
talks through one urllib3 pool, so its process never imports the official
`kubernetes` client: its generated models add some 7-10 MiB of resident memory to the controller
before the first request (docs/benchmarks.md, "The controller's memory
floor"), and `import kopf` loads them by itself whenever the package is
installed. The extension keeps the official client and hands its pool over
with `from_api_client`.

Supported credentials are the ones a controller is given: a bearer token (in
the file or beside it, re-read as the kubelet rotates it), a client
certificate, and a CA. Exec plugins and auth providers are refused by name.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import urllib3
import yaml

SERVICE_ACCOUNT = Path("/var/run/secrets/kubernetes.io/serviceaccount")
# The kubelet rewrites a projected token well before it expires; a minute is soon enough to notice.
TOKEN_REREAD = 60.0


class ConfigError(Exception):
    """Credentials that cannot be used, with what is wrong with them."""


@dataclass
class Credentials:
    """One endpoint and one identity, as a kubeconfig context or a ServiceAccount gives them."""

    server: str
    ca_path: str | None = None
    ca_data: str | None = None  # base64, as a kubeconfig holds it
    insecure: bool = False
    token: str | None = None
    token_path: str | None = None
    cert_path: str | None = None
    cert_data: str | None = None
    key_path: str | None = None
    key_data: str | None = None
    namespace: str | None = None
    _read_at: float | None = field(default=None, repr=False)

    def bearer(self) -> str | None:
        """The token now: a token file is read again once a minute."""
        # Read at once the first time: the monotonic clock of a freshly booted node may be under a minute.
        if self.token_path and (self._read_at is None or time.monotonic() - self._read_at > TOKEN_REREAD):
            self.token = Path(self.token_path).read_text().strip() or None
            self._read_at = time.monotonic()
        return self.token

    def ssl_context(self) -> ssl.SSLContext:
        if self.insecure:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif self.ca_data:
            context = ssl.create_default_context(cadata=base64.b64decode(self.ca_data).decode())
        else:
            context = ssl.create_default_context(cafile=self.ca_path)
        if self.cert_path or self.cert_data:
            with (
                _pem_file(self.cert_path, self.cert_data) as cert,
                _pem_file(self.key_path, self.key_data) as key,
            ):
                context.load_cert_chain(cert, key)
        return context


class _pem_file:
    """A path to PEM text: the given file, or a private temporary copy of base64 data, gone on exit."""

    def __init__(self, path: str | None, data: str | None) -> None:
        self.path, self.data = path, data
        self.temp: str | None = None

    def __enter__(self) -> str | None:
        if self.path or not self.data:
            return self.path
        fd, self.temp = tempfile.mkstemp(suffix=".pem")  # mode 0600
        with os.fdopen(fd, "wb") as out:
            out.write(base64.b64decode(self.data))
        return self.temp

    def __exit__(self, *_: object) -> None:
        if self.temp:
            os.unlink(self.temp)


def from_kubeconfig(path: str | os.PathLike[str] | None = None, context: str | None = None) -> Credentials:
    """A kubeconfig's current (or named) context; relative file names are the kubeconfig's own."""
    if path is None:
        path = (os.environ.get("KUBECONFIG") or "").split(os.pathsep)[0] or Path.home() / ".kube" / "config"
    file = Path(path)
    try:
        config = yaml.safe_load(file.read_text()) or {}
    except OSError as err:
        raise ConfigError(f"the kubeconfig {file} cannot be read: {err.strerror}") from None
    name = context or config.get("current-context")
    ctx = _named(config, "contexts", name, file).get("context") or {}
    cluster = _named(config, "clusters", ctx.get("cluster"), file).get("cluster") or {}
    user: dict[str, Any] = {}
    if ctx.get("user"):
        user = _named(config, "users", ctx["user"], file).get("user") or {}
    for unsupported in ("exec", "auth-provider", "username"):
        if unsupported in user:
            raise ConfigError(
                f"the kubeconfig {file} gives user {ctx.get('user')!r} an {unsupported!r}, which is not "
                "supported here: give it a token, a token file or a client certificate"
            )

    def local(key: str, within: dict[str, Any]) -> str | None:
        value = within.get(key)
        return str((file.parent / value).resolve()) if value else None

    if not cluster.get("server"):
        raise ConfigError(f"the kubeconfig {file} names no server for context {name!r}")
    return Credentials(
        server=cluster["server"].rstrip("/"),
        ca_path=local("certificate-authority", cluster),
        ca_data=cluster.get("certificate-authority-data"),
        insecure=bool(cluster.get("insecure-skip-tls-verify")),
        token=user.get("token"),
        token_path=local("tokenFile", user),
        cert_path=local("client-certificate", user),
        cert_data=user.get("client-certificate-data"),
        key_path=local("client-key", user),
        key_data=user.get("client-key-data"),
        namespace=ctx.get("namespace"),
    )


def _named(config: dict[str, Any], section: str, name: str | None, file: Path) -> dict[str, Any]:
    for entry in config.get(section) or []:
        if entry.get("name") == name:
            return entry  # type: ignore[no-any-return]
    raise ConfigError(f"the kubeconfig {file} has no {section[:-1]} named {name!r}")


def in_cluster() -> Credentials | None:
    """The pod's ServiceAccount, when running in a pod that mounts one."""
    host, port = os.environ.get("KUBERNETES_SERVICE_HOST"), os.environ.get("KUBERNETES_SERVICE_PORT")
    token = SERVICE_ACCOUNT / "token"
    if not host or not port or not token.exists():
        return None
    host = f"[{host}]" if ":" in host else host
    namespace = SERVICE_ACCOUNT / "namespace"
    return Credentials(
        server=f"https://{host}:{port}",
        ca_path=str(SERVICE_ACCOUNT / "ca.crt"),
        token_path=str(token),
        namespace=namespace.read_text().strip() if namespace.exists() else None,
    )


class Connection:
    """A pool of connections to one API server, and the headers that say who is asking."""

    def __init__(self, host: str, pool: urllib3.PoolManager, headers: Callable[[], dict[str, str]]) -> None:
        self.host = host
        self.pool = pool
        self.headers = headers

    @classmethod
    def from_credentials(cls, credentials: Credentials, maxsize: int = 10) -> Connection:
        pool = urllib3.PoolManager(num_pools=4, maxsize=maxsize, ssl_context=credentials.ssl_context())

        def headers() -> dict[str, str]:
            token = credentials.bearer()
            return {"Authorization": f"Bearer {token}"} if token else {}

        return cls(credentials.server, pool, headers)

    @classmethod
    def from_api_client(cls, api: Any) -> Connection:
        """The official client's pool, default headers (impersonation) and token, refreshed as it does."""

        def headers() -> dict[str, str]:
            out = dict(api.default_headers)
            api.update_params_for_auth(out, None, ["BearerToken"], "", "GET", None)
            return out

        return cls(api.configuration.host, api.rest_client.pool_manager, headers)
