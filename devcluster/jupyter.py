"""A real Jupyter Server (or JupyterLab) with the extension, acting as one user of a local cluster."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from devcluster.cluster import REPO, Cluster
from devcluster.processes import die_with_parent, free_port, stop_process


@dataclass
class JupyterServer:
    """`jupyter server` (or `jupyter lab`) on a loopback port, with a token, as `user`."""

    cluster: Cluster
    user: str
    namespace: str
    lab: bool = False
    token: str = "nbctl-local-token"
    extra: list[str] = field(default_factory=list)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        assert self.cluster.workdir is not None
        return self.cluster.workdir / "logs" / f"jupyter-{self.user}-{self.port}.log"

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> JupyterServer:
        assert self.cluster.workdir is not None
        root = self.cluster.workdir / f"jupyter-{self.user}"
        root.mkdir(exist_ok=True)
        module = "jupyterlab" if self.lab else "jupyter_server"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                module,
                f"--port={self.port}",
                "--ip=127.0.0.1",
                "--no-browser",
                "--allow-root",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={root}",
                f"--NbctlApp.kubeconfig={self.cluster.kubeconfig(self.user)}",
                f"--NbctlApp.namespace={self.namespace}",
                *self.extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=self.log_path.open("wb"),
            stdin=subprocess.DEVNULL,
            cwd=REPO,
            preexec_fn=die_with_parent,
        )
        request = urllib.request.Request(
            f"{self.url}/api/status", headers={"Authorization": f"token {self.token}"}
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Jupyter exited at start:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(request, timeout=5):
                    return self
            except (urllib.error.URLError, OSError):
                time.sleep(0.2)
        raise TimeoutError(f"Jupyter did not answer in {timeout}s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self) -> None:
        stop_process(self.process)
