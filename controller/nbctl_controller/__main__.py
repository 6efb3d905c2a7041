"""`nbctl-controller` and `python -m nbctl_controller`: run the operator."""

from __future__ import annotations

import json
import logging
import sys

import kopf

from nbctl_controller import config


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {"level": record.levelname, "logger": record.name, "message": record.getMessage()}
        for field in ("k8s_ref", "k8s_skip"):
            if hasattr(record, field):
                entry[field] = getattr(record, field)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def main(argv: list[str] | None = None) -> int:
    settings = config.parse(argv)
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format == "json":
        handler.setFormatter(_JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=settings.log_level, handlers=[handler], force=True)
    # kopf says "Handler succeeded" for every event it passes on: noise at INFO.
    logging.getLogger("kopf.objects").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))

    from jupyter_nbctl.kube.connection import ConfigError
    from nbctl_controller import operator  # registers the handlers

    try:
        credentials = operator.credentials(settings)
    except ConfigError as err:
        print(f"nbctl-controller: {err}", file=sys.stderr)
        return 2
    kopf.run(
        standalone=settings.standalone,
        clusterwide=not settings.namespaces,
        namespaces=list(settings.namespaces),
        memo=kopf.Memo(settings=settings, credentials=credentials),
        liveness_endpoint=f"http://0.0.0.0:{settings.health_port}/healthz" if settings.health_port else None,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
