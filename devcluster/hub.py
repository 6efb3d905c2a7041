"""A real JupyterHub (from PyPI, with configurable-http-proxy from npm) in front of the cluster.

Each user logs in to the hub and gets a single-user JupyterLab with
jupyter-nbctl that acts as that user by impersonation: the server's own
credential (`alice-server`, `bob-server`) may impersonate its one user and
nothing else (deploy/hub/impersonate-one-user.yaml). The hub itself holds no
Kubernetes credential at all. Used by the hub's browser test and by
`make demo-hub`; docs/hub.md is the configuration an operations team copies.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devcluster.cluster import REPO, Cluster
from devcluster.processes import die_with_parent, free_port, stop_process

HUB_USERS = ("alice", "bob")
"""Who may log in; each has a `<user>-server` credential in devcluster.cluster.USERS."""

PASSWORD = "nbctl-local-password"
"""The DummyAuthenticator's one password: this hub is local and its users are test users."""

CONFIG = """\
# Written by devcluster/hub.py. The hub's side of a jupyter-nbctl deployment:
# docs/hub.md explains each line.
c = get_config()  # noqa: F821

c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{proxy_api_port}"
# devcluster.orphanless: the proxy and the servers end with the hub, even a killed one.
c.ConfigurableHTTPProxy.command = [{python!r}, "-m", "devcluster.orphanless", {proxy!r}]
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/cookie_secret"
c.JupyterHub.pid_file = "{state}/jupyterhub.pid"

# Test users with one password. A real hub uses its own authenticator
# (OAuth, LDAP, ...): jupyter-nbctl needs only the hub's user name.
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allowed_users = {users!r}

# Single-user servers as local processes (SimpleLocalProcessSpawner: for
# tests only). On Kubernetes, KubeSpawner does the same with each user's
# ServiceAccount instead of a kubeconfig.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{state}/home/{{username}}"
c.Spawner.cmd = [{python!r}, "-m", "devcluster.orphanless", {singleuser!r}]
c.Spawner.default_url = "/lab"
c.Spawner.http_timeout = 60
c.Spawner.args = [
    "--allow-root",
    # jupyter-nbctl acts as $JUPYTERHUB_USER, impersonated with the server's
    # own credential, which may impersonate that user only.
    "--NbctlApp.impersonate_hub_user=True",
    "--NbctlApp.impersonate_group=nbctl-users",
    "--NbctlApp.namespace={namespace}",
    "--NbctlApp.notebook_url_base={notebook_url_base}",
]
SERVER_KUBECONFIGS = {kubeconfigs!r}
c.Spawner.environment = {{
    "KUBECONFIG": lambda spawner: SERVER_KUBECONFIGS[spawner.user.name],
}}
"""


def impersonation_manifest(user: str, server: str) -> str:
    """deploy/hub/impersonate-one-user.yaml for one user and the identity of that user's server."""
    manifest = (REPO / "deploy" / "hub" / "impersonate-one-user.yaml").read_text()
    return manifest.replace("USER", user).replace("SERVER", server)


@dataclass
class Hub:
    """JupyterHub on a loopback port, whose users' servers act as themselves in `namespace`."""

    cluster: Cluster
    namespace: str
    notebook_url_base: str
    state: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.state / "jupyterhub.log"

    def config(self) -> str:
        proxy = REPO / "node_modules" / ".bin" / "configurable-http-proxy"
        if not proxy.exists():
            raise FileNotFoundError(f"configurable-http-proxy is not at {proxy}: run npm ci (make does)")
        singleuser = shutil.which("jupyterhub-singleuser", path=str(Path(sys.executable).parent))
        if singleuser is None:
            raise FileNotFoundError(
                "jupyterhub-singleuser is not installed: pip install jupyterhub (make does)"
            )
        return CONFIG.format(
            port=self.port,
            hub_port=free_port(),
            proxy_api_port=free_port(),
            proxy=str(proxy),
            python=sys.executable,
            state=self.state,
            password=PASSWORD,
            users=set(HUB_USERS),
            singleuser=singleuser,
            namespace=self.namespace,
            notebook_url_base=self.notebook_url_base,
            kubeconfigs={user: str(self.cluster.kubeconfig(f"{user}-server")) for user in HUB_USERS},
        )

    def __enter__(self) -> Hub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 90) -> Hub:
        for user in HUB_USERS:
            self.cluster.kubectl("apply", "-f", "-", input=impersonation_manifest(user, f"{user}-server"))
        self.state.mkdir(parents=True, exist_ok=True)
        config = self.state / "jupyterhub_config.py"
        config.write_text(self.config())
        # The hub holds no Kubernetes credential: not even the one in this process's environment.
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", f"--config={config}"],
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("wb"),
            stdin=subprocess.DEVNULL,
            cwd=self.state,
            env={**env, "PYTHONPATH": str(REPO)},
            preexec_fn=die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"JupyterHub exited at start:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/hub/api/", timeout=5):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise TimeoutError(f"JupyterHub did not answer in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        # On TERM the hub stops the users' servers and its proxy before it exits.
        stop_process(self.process, grace=30)
