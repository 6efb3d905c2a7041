"""Run the local control plane from the command line.

python -m devcluster build   # build or find the binaries; prints their directory
python -m devcluster up      # a cluster with the CRDs, until Ctrl-C (--real-node: with the real node)
python -m devcluster demo    # the same, the controller, the examples and JupyterLab as alice
python -m devcluster demo --hub  # and JupyterHub in front, where alice and bob each log in
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import time
from typing import NoReturn

from devcluster.cluster import Cluster, build_binaries
from devcluster.deployment import deploy_controller
from devcluster.hub import PASSWORD, Hub
from devcluster.install import (
    apply_real_node_template,
    install_crds,
    install_policies,
    install_rbac,
    install_seed_examples,
    wait_for_policies,
)
from devcluster.jupyter import JupyterServer


def _exit_on_term() -> None:
    # SIGTERM unwinds like Ctrl-C, so the cluster's `with` block stops it.
    def handler(signum: int, frame: object) -> NoReturn:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    # Started in the background by a script, a process inherits SIGINT ignored, and Python
    # keeps it so: then Ctrl-C (or `kill -INT`) would leave the cluster running.
    signal.signal(signal.SIGINT, signal.default_int_handler)


DEMO_NOTEBOOK = "jupyter-scipy"


def _demo_examples(cluster: Cluster) -> None:
    """The examples, with alice's example notebook running on the real node."""
    # alice may launch notebooks in `default`, and owns the example notebook there.
    cluster.kubectl(
        "create",
        "rolebinding",
        "nbctl-users",
        "--clusterrole=nbctl-user",
        "--group=nbctl-users",
        "-n",
        "default",
    )
    image = cluster.built_images["notebook"].ref
    install_seed_examples(cluster, notebook_user="alice", real_node_image=image)
    # A second template of the catalog, with resource bounds that fit this machine.
    apply_real_node_template(cluster)
    print(f"waiting for alice's {DEMO_NOTEBOOK} to run on the real node", file=sys.stderr, flush=True)
    cluster.kubectl(
        "wait",
        "--for=jsonpath={.status.phase}=Running",
        f"notebook/{DEMO_NOTEBOOK}",
        "-n",
        "default",
        "--timeout=180s",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devcluster", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["build", "up", "demo"])
    parser.add_argument(
        "--hub",
        action="store_true",
        help="demo: JupyterHub in front, where alice and bob each log in to their own JupyterLab",
    )
    parser.add_argument(
        "--real-node",
        action="store_true",
        help="up: also the real node and the gateway (demo always has them)",
    )
    args = parser.parse_args(argv)

    bin_dir = build_binaries()
    if args.command == "build":
        print(bin_dir)
        return 0

    _exit_on_term()
    try:
        with contextlib.ExitStack() as stack:
            demo = args.command == "demo"
            # The demo runs real notebooks: one real node, and a gateway in front of it.
            real = demo or args.real_node
            cluster = stack.enter_context(Cluster(bin_dir=bin_dir, real_node=real, gateway=real))
            install_crds(cluster)
            if demo:
                # As an operations team installs it: deploy/ with an overlay naming the local image.
                deployed = deploy_controller(cluster)
                wait_for_policies(cluster)
                _demo_examples(cluster)
                lab = JupyterServer(
                    cluster,
                    "alice",
                    "default",
                    lab=True,
                    extra=[f"--NbctlApp.notebook_url_base={cluster.gateway_url}"],
                )
                stack.enter_context(lab)
                if args.hub:
                    assert cluster.workdir is not None
                    hub = stack.enter_context(
                        Hub(cluster, "default", cluster.gateway_url, cluster.workdir / "hub")
                    )
            else:
                install_rbac(cluster)
                install_policies(cluster)
            info = cluster.info()
            if demo:
                info["controller_metrics"] = f"{deployed.metrics_url}/metrics"
                info["gateway"] = cluster.gateway_url
                info["notebook"] = f"{cluster.gateway_url}/notebook/default/{DEMO_NOTEBOOK}/lab"
                info["jupyterlab"] = f"{lab.url}/lab?nbctl&token={lab.token}"
                if args.hub:
                    info["hub"] = f"{hub.url}/hub/login"
            print(json.dumps({"event": "ready", **info}), flush=True)
            admin = info["kubeconfigs"]["admin"]
            print(
                "\nThe cluster is up. In another shell:\n"
                f"  export KUBECONFIG={admin}\n"
                f"  {info['kubectl']} get notebooks,templates,poddefaults -A\n"
                f"As alice: {info['kubectl']} --kubeconfig={info['kubeconfigs']['alice']} auth whoami\n"
                + (
                    f"The controller's log: {info['kubectl']} logs -n nbctl-system deploy/nbctl-controller\n"
                    # Its guard lets only alice in: the panel's Open gives her browser a session.
                    f"alice's notebook, through the gateway (Open it in the panel): {info['notebook']}\n"
                    f"JupyterLab, as alice: {info['jupyterlab']}\n"
                    if demo
                    else ""
                )
                + (
                    f"JupyterHub: {info['hub']} (alice or bob, password {PASSWORD})\n"
                    if demo and args.hub
                    else ""
                )
                + "Ctrl-C stops it and removes everything it made.",
                file=sys.stderr,
                flush=True,
            )
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        print("\nstopped", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
