"""Fixtures shared by every test: one real control plane per run.

The cluster starts once per pytest run (only when a test asks for it), with
the CRDs installed. Each test that wants one gets a fresh namespace; clients
act as admin, alice or bob through their own tokens.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest

from devcluster.clients import Kube
from devcluster.cluster import Cluster, build_binaries
from devcluster.controller import ControllerProcess
from devcluster.install import ensure_namespace, install_crds, install_policies, install_rbac

pytest_plugins = ("pytest_jupyter.jupyter_server",)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    """A running control plane with jupyter-nbctl's CRDs, roles and admission policies.

    Beside the kwok nodes it has one real node (containerd and kubelet) and a
    gateway (Traefik), for the tests about what happens inside a notebook.
    """
    with Cluster(bin_dir=build_binaries(), real_node=True, gateway=True) as running:
        install_crds(running)
        install_rbac(running)
        install_policies(running)
        yield running


@pytest.fixture
def namespace(cluster: Cluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A namespace of this test's own, deleted afterwards."""
    slug = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower()).strip("-")[:40].strip("-")
    name = f"{slug}-{uuid.uuid4().hex[:5]}"
    ensure_namespace(cluster, name)
    yield name
    cluster.kubectl("delete", "namespace", name, "--wait=false", check=False)


def _kube(cluster: Cluster, user: str) -> Iterator[Kube]:
    kube = Kube(user, cluster.kubeconfig(user))
    yield kube
    kube.close()


@pytest.fixture(scope="session")
def admin(cluster: Cluster) -> Iterator[Kube]:
    """Clients as admin (system:masters)."""
    yield from _kube(cluster, "admin")


@pytest.fixture(scope="session")
def alice(cluster: Cluster) -> Iterator[Kube]:
    """Clients as alice (group nbctl-users)."""
    yield from _kube(cluster, "alice")


@pytest.fixture(scope="session")
def bob(cluster: Cluster) -> Iterator[Kube]:
    """Clients as bob (group nbctl-users)."""
    yield from _kube(cluster, "bob")


@pytest.fixture(scope="session")
def controller(cluster: Cluster) -> Iterator[ControllerProcess]:
    """The controller, running as its ServiceAccount with the shipped RBAC only."""
    process = ControllerProcess(cluster).start()
    yield process
    process.stop()


GATEWAY_ARGS = ["--routing=gateway", "--gateway=kubeflow/kubeflow-gateway"]


@pytest.fixture
def gateway_controller(controller: ControllerProcess) -> Iterator[ControllerProcess]:
    """The session's controller, writing Gateway API routes (to the local Traefik) for one test."""
    controller.args = GATEWAY_ARGS
    controller.restart()
    yield controller
    controller.args = []
    controller.restart()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """On a failure, show the end of the controller's log: it says what it decided."""
    report = yield
    process = getattr(item, "funcargs", {}).get("controller")
    if report.failed and isinstance(process, ControllerProcess):
        report.sections.append(
            ("controller log (last 60 lines)", "\n".join(process.logs().splitlines()[-60:]))
        )
    return report


# ----------------------------------------------------------- no silent skips
#
# A skipped test proves nothing, and a run that skips quietly looks green. So
# the run fails on any skip, unless the test is marked
# `@pytest.mark.expected_skip(reason=...)`: then the reason is printed.

_UNEXPECTED_SKIPS: list[str] = []


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "expected_skip(reason): this test may skip, for the reason given; any other skip fails"
    )


@pytest.hookimpl(trylast=True)
def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    keywords = getattr(report, "keywords", {}) or {}
    if "expected_skip" not in keywords:
        _UNEXPECTED_SKIPS.append(f"{report.nodeid}: {report.longrepr}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _UNEXPECTED_SKIPS and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _UNEXPECTED_SKIPS:
        terminalreporter.section("skipped without an expected_skip mark: the run fails", red=True)
        for line in _UNEXPECTED_SKIPS:
            terminalreporter.line(line)
