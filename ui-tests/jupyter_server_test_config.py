"""JupyterLab for the browser tests: Galata's settings, acting as the user the test names.

The test (tests/ui/test_panel_in_browser.py) sets NBCTL_UI_KUBECONFIG,
NBCTL_UI_NAMESPACE, NBCTL_UI_PORT and NBCTL_UI_NOTEBOOK_URL_BASE (the gateway)
before it starts the server.
"""

import os

from jupyterlab.galata import configure_jupyter_server

c = get_config()  # type: ignore[name-defined]  # noqa: F821
configure_jupyter_server(c)
c.ServerApp.port = int(os.environ["NBCTL_UI_PORT"])
c.ServerApp.ip = "127.0.0.1"
c.ServerApp.allow_root = True
c.NbctlApp.kubeconfig = os.environ["NBCTL_UI_KUBECONFIG"]
c.NbctlApp.namespace = os.environ["NBCTL_UI_NAMESPACE"]
c.NbctlApp.template_namespaces = []
c.NbctlApp.notebook_url_base = os.environ["NBCTL_UI_NOTEBOOK_URL_BASE"]
