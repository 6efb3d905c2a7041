"""A TERM stops the controller gracefully: work in flight finishes, nothing is left half-made."""

from __future__ import annotations

import signal

from devcluster.clients import Kube
from devcluster.controller import ControllerProcess
from jupyter_nbctl.models import GROUP, VERSION
from tests.controller.helpers import create, notebook, template
from tests.eventually import eventually


def test_a_term_lets_reconciles_finish_and_the_next_controller_completes_the_rest(
    admin: Kube, controller: ControllerProcess, namespace: str
) -> None:
    create(admin, namespace, template("lab"))
    for index in range(20):
        create(admin, namespace, notebook(f"nb-{index}", "lab"))
    assert controller.process is not None

    # When the controller is told to stop while it works
    controller.process.send_signal(signal.SIGTERM)
    code = controller.process.wait(30)

    # Then it exits cleanly, saying what was in flight
    assert code == 0, controller.logs()[-3000:]
    assert "stopped:" in controller.logs()
    assert "did not finish" in controller.logs()
    assert ", 0 did not finish" in controller.logs()

    # And the next controller brings every notebook to Running
    controller.start()

    def running() -> int:
        items = admin.custom.list_namespaced_custom_object(GROUP, VERSION, namespace, "notebooks")["items"]
        return sum((nb.get("status") or {}).get("phase") == "Running" for nb in items)

    eventually(running, lambda count: count == 20, timeout=120, what="all 20 notebooks to run")
