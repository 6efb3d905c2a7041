"""`python -m devcluster.orphanless CMD ARG...`: run CMD so that it ends when its parent does.

JupyterHub starts its proxy and the users' servers in sessions of their own;
through this they get SIGTERM from the kernel when the hub goes, even when
the hub is killed, so no server outlives the test or demo that made it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys


def main() -> None:
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m devcluster.orphanless CMD [ARG...]")
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG, kept across exec
    if os.getppid() == 1:
        raise SystemExit("the parent is already gone")
    os.execvp(sys.argv[1], sys.argv[1:])  # noqa: S606 - becoming CMD is the point


if __name__ == "__main__":
    main()
