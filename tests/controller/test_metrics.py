"""The controller's /metrics names its notebooks by phase, its reconciles and its API requests."""

from __future__ import annotations

import urllib.request

from prometheus_client.parser import text_string_to_metric_families

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from tests.controller.helpers import create, notebook, template, wait_phase
from tests.eventually import eventually


def _scrape(controller: ControllerProcess) -> dict:
    with urllib.request.urlopen(f"{controller.metrics_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    return {family.name: family for family in text_string_to_metric_families(text)}


def test_metrics_count_notebooks_by_phase_reconciles_and_requests(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("lab"), notebook("nb", "lab"), notebook("off", "lab", stopped=True))
    wait_phase(admin, namespace, "nb", "Running")
    wait_phase(admin, namespace, "off", "Stopped")

    families = eventually(
        lambda: _scrape(controller),
        lambda f: any(
            s.labels == {"namespace": namespace, "phase": "Running"} for s in f["nbctl_notebooks"].samples
        ),
        what="the Running notebook in /metrics",
    )

    phases = {
        (s.labels["namespace"], s.labels["phase"]): s.value for s in families["nbctl_notebooks"].samples
    }
    assert phases[(namespace, "Running")] == 1
    assert phases[(namespace, "Stopped")] == 1
    reconciles = {
        s.labels["result"]: s.value for s in families["nbctl_reconciles"].samples if s.name.endswith("_total")
    }
    assert reconciles["ok"] >= 2
    assert any(
        s.name.endswith("_count") and s.value >= 2
        for s in families["nbctl_reconcile_duration_seconds"].samples
    )
    requests = {(s.labels["verb"], s.labels["resource"]) for s in families["nbctl_api_requests"].samples}
    assert ("PATCH", "statefulsets") in requests
    assert ("PATCH", "notebooks/status") in requests
    assert "nbctl_queue_depth" in families
    with urllib.request.urlopen(f"{controller.metrics_url}/readyz", timeout=5) as response:
        assert response.read() == b"ok"
