"""The Jupyter Server extension: jupyter-nbctl's REST API for the panel."""

from __future__ import annotations

from jupyter_server.extension.application import ExtensionApp


class NbctlApp(ExtensionApp):
    """Serves /nbctl/api/ for the JupyterLab panel."""

    name = "jupyter_nbctl"
