"""jupyter-nbctl: notebooks from templates, owned by their users.

The package holds the shared CRD models (`jupyter_nbctl.models`) and the
Jupyter Server extension. Importing the package imports neither Jupyter Server
nor kopf, so the controller can use the models without the server.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    # The built panel (jupyter_nbctl/labextension), for `jupyter labextension develop`.
    return [{"src": "labextension", "dest": "jupyter-nbctl"}]


def _jupyter_server_extension_points() -> list[dict[str, Any]]:
    # Imported here so that `import jupyter_nbctl.models` stays server-free.
    from jupyter_nbctl.app import NbctlApp

    return [{"module": "jupyter_nbctl", "app": NbctlApp}]
