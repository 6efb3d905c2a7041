"""Run the controller against a local cluster, as its own ServiceAccount identity."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from devcluster.cluster import REPO, Cluster
from devcluster.controller_env import controller_env, controller_python
from devcluster.processes import die_with_parent, free_port, stop_process


@dataclass
class ControllerProcess:
    """`python -m nbctl_controller` with the controller's kubeconfig; logs to a file.

    It runs from the controller's own environment (devcluster.controller_env), as in its image.
    """

    cluster: Cluster
    args: list[str] = field(default_factory=list)
    # Another identity's kubeconfig (say, a real ServiceAccount token's).
    kubeconfig: Path | None = None
    # /metrics and /readyz; a free port is picked for each ControllerProcess.
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    def start(self, timeout: float = 60) -> ControllerProcess:
        assert self.cluster.workdir is not None
        self.log_path = self.cluster.workdir / "logs" / f"controller-{time.monotonic_ns()}.log"
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    str(controller_python()),
                    "-m",
                    "nbctl_controller",
                    f"--kubeconfig={self.kubeconfig or self.cluster.kubeconfig('controller')}",
                    "--health-port=0",
                    f"--metrics-port={self.metrics_port}",
                    # Each notebook's guard is the controller's own image, as built here for the real node.
                    *(
                        [f"--guard-image={self.cluster.built_images['controller'].ref}"]
                        if "controller" in self.cluster.built_images
                        else []
                    ),
                    *self.args,
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                env=controller_env(),
                preexec_fn=die_with_parent,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the controller exited at start:\n{self.logs()[-3000:]}")
            if "controller started" in self.logs():
                return self
            time.sleep(0.1)
        raise TimeoutError(f"the controller did not start in {timeout}s:\n{self.logs()[-3000:]}")

    def stop(self) -> None:
        stop_process(self.process)

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}"

    def restart(self) -> ControllerProcess:
        self.stop()
        return self.start()

    def settled(self, at_least: int = 1, timeout: float = 60) -> tuple[int, int]:
        """Wait for the controller to report itself idle after `at_least` reconciles.

        Returns (reconciles, writes) since its start, from its own log line.
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in reversed(self.logs().splitlines()):
                if "settled:" in line:
                    words = line.split("settled:")[1].split()
                    reconciles, writes = int(words[0]), int(words[2])
                    if reconciles >= at_least:
                        return reconciles, writes
                    break
            time.sleep(0.2)
        raise TimeoutError(
            f"the controller did not settle after {at_least} reconciles:\n{self.logs()[-2000:]}"
        )

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""
