"""Run the local control plane from the command line.

python -m devcluster build   # build or find the binaries; prints their directory
python -m devcluster up      # a cluster with the CRDs, until Ctrl-C
python -m devcluster demo    # the same plus the seed's examples, with directions
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
from devcluster.controller import ControllerProcess
from devcluster.install import install_crds, install_policies, install_rbac, install_seed_examples
from devcluster.jupyter import JupyterServer


def _exit_on_term() -> None:
    # SIGTERM unwinds like Ctrl-C, so the cluster's `with` block stops it.
    def handler(signum: int, frame: object) -> NoReturn:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    # Started in the background by a script, a process inherits SIGINT ignored, and Python
    # keeps it so: then Ctrl-C (or `kill -INT`) would leave the cluster running.
    signal.signal(signal.SIGINT, signal.default_int_handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m devcluster", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("command", choices=["build", "up", "demo"])
    args = parser.parse_args(argv)

    bin_dir = build_binaries()
    if args.command == "build":
        print(bin_dir)
        return 0

    _exit_on_term()
    try:
        with contextlib.ExitStack() as stack:
            cluster = stack.enter_context(Cluster(bin_dir=bin_dir))
            install_crds(cluster)
            install_rbac(cluster)
            install_policies(cluster)
            controller = None
            if args.command == "demo":
                controller = ControllerProcess(cluster).start()
                stack.callback(controller.stop)
                # alice may launch notebooks in `default`, and owns the seed's notebook there.
                cluster.kubectl(
                    "create",
                    "rolebinding",
                    "nbctl-users",
                    "--clusterrole=nbctl-user",
                    "--group=nbctl-users",
                    "-n",
                    "default",
                )
                install_seed_examples(cluster, notebook_user="alice")
                lab = JupyterServer(cluster, "alice", "default", lab=True)
                stack.enter_context(lab)
            info = cluster.info()
            if controller is not None:
                info["controller_log"] = str(controller.log_path)
                info["jupyterlab"] = f"{lab.url}/lab?nbctl&token={lab.token}"
            print(json.dumps({"event": "ready", **info}), flush=True)
            admin = info["kubeconfigs"]["admin"]
            print(
                "\nThe cluster is up. In another shell:\n"
                f"  export KUBECONFIG={admin}\n"
                f"  {info['kubectl']} get notebooks,templates,poddefaults -A\n"
                f"As alice: {info['kubectl']} --kubeconfig={info['kubeconfigs']['alice']} auth whoami\n"
                + (f"The controller's log: {info['controller_log']}\n" if controller else "")
                + (f"JupyterLab, as alice: {info['jupyterlab']}\n" if controller else "")
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
