"""The OpenAPI document of /nbctl/api, made from the route table and the body models.

python -m jupyter_nbctl.openapi docs/openapi.json
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from jupyter_nbctl import __version__
from jupyter_nbctl.api_models import ErrorBody
from jupyter_nbctl.handlers import ROUTES

_ERRORS = {
    "400": "The request is malformed or fails validation; the message names the field",
    "403": "Kubernetes refused it (not the owner, or no right to do it)",
    "404": "No such notebook",
    "409": "It conflicts with what exists (a taken name, nothing to update to)",
    "422": "The cluster cannot do it (unknown template or configuration, resources out of bounds)",
    "502": "Kubernetes or the notebook's node failed",
    "503": "The Kubernetes API cannot be reached, or no credentials were found",
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def document() -> dict[str, Any]:
    """The whole document, as a dict."""
    # Requests are described as they are read, responses as they are written.
    modes: dict[type[BaseModel], str] = {ErrorBody: "serialization"}
    for route in ROUTES:
        for op in route.operations.values():
            if op.request is not None:
                modes[op.request] = "validation"
            if op.response is not None:
                modes[op.response] = "serialization"
    _, top = models_json_schema(
        list(modes.items()),
        ref_template="#/components/schemas/{model}",
        by_alias=True,  # type: ignore[arg-type]
    )
    error = {"description": "", "content": {"application/json": {"schema": _ref(ErrorBody)}}}
    paths: dict[str, Any] = {}
    for route in ROUTES:
        item: dict[str, Any] = {}
        if "{name}" in route.path:
            item["parameters"] = [
                {
                    "name": "name",
                    "in": "path",
                    "required": True,
                    "description": "The notebook's name",
                    "schema": {"type": "string"},
                }
            ]
        for verb, op in route.operations.items():
            slug = re.sub(r"[^a-z]+", "_", route.path.replace("{name}", "one")).strip("_")
            operation: dict[str, Any] = {"operationId": f"{verb}_{slug}", "summary": op.summary}
            ok: dict[str, Any] = {"description": op.summary}
            if op.response is not None:
                ok["content"] = {"application/json": {"schema": _ref(op.response)}}
            operation["responses"] = {str(op.status): ok} | {
                code: {**error, "description": text} for code, text in _ERRORS.items()
            }
            if op.request is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(op.request)}},
                }
            item[verb] = operation
        paths[f"/nbctl/api{route.path}"] = item
    # A launch answers with the notebook; its name leads to the notebook's own operations (OpenAPI
    # links, which clients and stateful fuzzers follow).
    launched = paths["/nbctl/api/notebooks"]["post"]["responses"]["201"]
    launched["links"] = {
        operation["operationId"]: {
            "operationId": operation["operationId"],
            "parameters": {"name": "$response.body#/name"},
        }
        for path, item in sorted(paths.items())
        if path.startswith("/nbctl/api/notebooks/{name}")
        for verb, operation in sorted(item.items())
        if verb != "parameters"
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "jupyter-nbctl",
            "version": __version__,
            "description": "Launch, stop, resize and delete your notebooks. Every call acts as the user.",
        },
        "paths": paths,
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}},
        },
        "security": [{"token": []}],
    }


def render() -> str:
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    target = Path(argv[0] if argv else "docs/openapi.json")
    target.write_text(render())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
