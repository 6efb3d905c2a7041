"""The controller's own Python environment: exactly controller/requirements.txt, as its image has.

The development virtualenv also holds Jupyter Server and the official
Kubernetes client (the extension's), and `import kopf` loads that client
whenever it is installed: a controller run from there would carry some 7-10 MiB
the shipped one does not, and could lean on packages its image lacks. Tests
and benchmarks run the controller from this environment instead, with the
repository's code on its path, built once per content of the requirements
and the Python version, under ~/.cache/jupyter-nbctl/controller-env.

    python -m devcluster.controller_env      # build (or find) it and print its python
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

from devcluster.images import CACHE, REPO

REQUIREMENTS = REPO / "controller" / "requirements.txt"


def controller_python() -> Path:
    """The environment's python, built on first use."""
    key = hashlib.sha256(REQUIREMENTS.read_bytes() + sys.version.encode()).hexdigest()[:12]
    root = CACHE / "controller-env"
    home = root / key
    python = home / "bin" / "python"
    if (home / ".complete").exists():
        return python
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two test sessions building it at once wait for each other
        if (home / ".complete").exists():
            return python
        shutil.rmtree(home, ignore_errors=True)
        print(f"building the controller's environment from {REQUIREMENTS.name} in {home}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(home)], check=True)
        pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
        subprocess.run([*pip, "-r", str(REQUIREMENTS)], check=True)
        (home / ".complete").touch()
    return python


def controller_env() -> dict[str, str]:
    """The process environment that runs the repository's controller code with that python."""
    env = dict(os.environ)
    env.pop("VIRTUAL_ENV", None)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "controller")])
    return env


def run_script(script: str) -> str:
    """Run Python code as the controller would (its python, its path); return what it printed."""
    out = subprocess.run(
        [str(controller_python()), "-c", script],
        capture_output=True,
        text=True,
        check=True,
        env=controller_env(),
        cwd=REPO,
    )
    return out.stdout


if __name__ == "__main__":
    print(controller_python())
