"""The Jupyter Server extension: jupyter-nbctl's REST API for the panel.

Settings are traitlets (`c.NbctlApp.<name>` in a Jupyter config file, or
`--NbctlApp.<name>=` on the command line); docs/extension.md lists them.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from jupyter_server.extension.application import ExtensionApp
from nbctl_guard.tickets import GUARD_CULLING_PATH, GUARD_PORT
from traitlets import Bool, Float, Int, List, Unicode

from jupyter_nbctl.handlers import handlers
from jupyter_nbctl.service import ClusterSettings, NbctlError, NotebookService


class NbctlApp(ExtensionApp):
    """Serves /nbctl/api/ for the JupyterLab panel."""

    name = "jupyter_nbctl"

    kubeconfig = Unicode(
        None,
        allow_none=True,
        config=True,
        help="The kubeconfig whose credentials the server uses; $KUBECONFIG or ~/.kube/config when unset, "
        "in-cluster credentials when neither exists.",
    )
    context = Unicode(
        None, allow_none=True, config=True, help="The kubeconfig context; its current one when unset."
    )
    namespace = Unicode(
        None,
        allow_none=True,
        config=True,
        help="The user's namespace; else the kubeconfig context's, else the pod's own (in-cluster), "
        "else 'default'.",
    )
    impersonate_hub_user = Bool(
        False,
        config=True,
        help="Act as $JUPYTERHUB_USER through impersonation. The server's credentials must be allowed to "
        "impersonate that one user only (docs/extension.md, 'Hub deployments').",
    )
    impersonate_user = Unicode(
        None,
        allow_none=True,
        config=True,
        help="Act as this user through impersonation (overrides the hub user).",
    )
    impersonate_group = Unicode(
        None, allow_none=True, config=True, help="With impersonation, also act as a member of this group."
    )
    template_namespaces = List(
        Unicode(),
        default_value=["kubeflow"],
        config=True,
        help="Namespaces whose Templates are offered, besides the user's own.",
    )
    notebook_url_base = Unicode(
        "", config=True, help="Prefix of notebook URLs, for example https://kubeflow.example.com."
    )
    request_timeout = Float(15.0, config=True, help="Seconds to wait for the Kubernetes API.")
    log_lines = Int(200, config=True, help="How many lines of a notebook's log to show.")
    warm_up = Bool(
        True,
        config=True,
        help="Fill the notebooks watch and render the list as the server starts, so the panel's first "
        "list is ready when asked for. Never done as the pod's own ServiceAccount (a notebook's own Lab).",
    )
    guard_url = Unicode(
        f"http://127.0.0.1:{GUARD_PORT}",
        config=True,
        help="Where this server's notebook guard listens, when it runs inside a jupyter-nbctl notebook "
        "(the pod's loopback); the notebook's own JupyterLab reads culling warnings there.",
    )

    def _settings(self) -> ClusterSettings:
        user = self.impersonate_user
        if not user and self.impersonate_hub_user:
            user = os.environ.get("JUPYTERHUB_USER")
        return ClusterSettings(
            kubeconfig=self.kubeconfig or os.environ.get("KUBECONFIG") or None,
            context=self.context,
            namespace=self.namespace,
            impersonate_user=user,
            impersonate_group=self.impersonate_group if user else None,
            template_namespaces=tuple(self.template_namespaces),
            notebook_url_base=self.notebook_url_base,
            request_timeout=self.request_timeout,
            log_lines=self.log_lines,
        )

    def initialize_settings(self) -> None:
        settings = self._settings()
        lock = threading.Lock()
        built: list[NotebookService] = []

        def service() -> NotebookService:
            # Built on first use, so a server without credentials still starts
            # and answers 503 with the reason.
            with lock:
                if not built:
                    built.append(NotebookService(settings))
                return built[0]

        culling_url = self.guard_url.rstrip("/") + GUARD_CULLING_PATH
        self.settings.update({"nbctl_service": service, "nbctl_guard_culling_url": culling_url})
        self._built = built
        if self.warm_up and settings.personal:
            threading.Thread(
                target=_warm, args=(service, self.log), name="nbctl-warm-up", daemon=True
            ).start()

    async def stop_extension(self) -> None:
        for service in getattr(self, "_built", []):
            service.close()

    def initialize_handlers(self) -> None:
        self.handlers.extend(handlers())


def _warm(service: Callable[[], NotebookService], log: logging.Logger) -> None:
    began = time.perf_counter()
    try:
        listed = service().warm()
    except NbctlError:
        return  # no credentials: the first request answers 503 with the reason
    if listed is not None:
        took = (time.perf_counter() - began) * 1000
        log.info("nbctl: warmed up in %.0f ms: %d notebooks listed", took, listed)
