"""`nbctl-guard`: run the guard (its settings come from NBCTL_GUARD_* variables, set by the controller)."""

from __future__ import annotations

import logging
import sys

from aiohttp import web

from nbctl_guard.proxy import Settings, app


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args not in ([], ["serve"]):
        sys.exit("usage: nbctl-guard [serve]  (configured by NBCTL_GUARD_* variables)")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = Settings.from_env()
    # No access log: a request's path may name the user's files.
    web.run_app(app(settings), port=settings.port, access_log=None, print=None, handle_signals=True)


if __name__ == "__main__":
    main()
