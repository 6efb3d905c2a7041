"""The layers hold: models import no framework; the controller no Jupyter; the extension no kopf."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

RULES = [
    ("jupyter_nbctl/models", {"kopf", "jupyter_server", "tornado", "kubernetes", "nbctl_controller"}),
    # The controller talks to the API server through jupyter_nbctl.kube.connection, not the official client.
    ("controller/nbctl_controller", {"jupyter_server", "tornado", "jupyterlab", "kubernetes"}),
    ("jupyter_nbctl/kube", {"kubernetes"}),
    ("jupyter_nbctl", {"kopf", "nbctl_controller"}),
    # The builders are pure: no client, no kopf.
    ("controller/nbctl_controller/merge.py", {"kubernetes", "kopf"}),
    ("controller/nbctl_controller/render.py", {"kubernetes", "kopf"}),
    ("controller/nbctl_controller/revisions.py", {"kubernetes", "kopf"}),
    ("controller/nbctl_controller/status.py", {"kubernetes", "kopf"}),
    ("controller/nbctl_controller/guard.py", {"kubernetes", "kopf"}),
    # The guard starts in every notebook pod: aiohttp and the standard library, nothing more.
    (
        "controller/nbctl_guard",
        {"kopf", "kubernetes", "jupyter_server", "tornado", "pydantic", "nbctl_controller", "jupyter_nbctl"},
    ),
    # Tickets are minted by the extension and the controller too: the standard library only.
    ("controller/nbctl_guard/tickets.py", {"aiohttp"}),
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize(("where", "banned"), RULES, ids=[r[0] for r in RULES])
def test_no_module_reaches_across_its_layer(where: str, banned: set[str]) -> None:
    root = REPO / where
    files = [root] if root.is_file() else sorted(root.rglob("*.py"))
    assert files, where
    crossings = {str(f.relative_to(REPO)): sorted(_imports(f) & banned) for f in files}
    assert {f: c for f, c in crossings.items() if c} == {}


def test_the_controller_runs_without_the_official_client() -> None:
    """Its environment (as its image) lacks the client, and nothing the controller imports asks for it:
    `import kopf` would load it, some 7-10 MiB more, were it installed."""
    from devcluster.controller_env import run_script

    script = (
        "import importlib.util, sys, nbctl_controller.__main__, nbctl_controller.operator;"
        "print(importlib.util.find_spec('kubernetes') is None,"
        " sorted({m.split('.')[0] for m in sys.modules} & {'kubernetes', 'jupyter_server', 'tornado'}))"
    )
    assert run_script(script).split() == ["True", "[]"]
