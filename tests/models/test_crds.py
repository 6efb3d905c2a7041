"""The CRDs in deploy/crds are the models' own, structural and documented."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from devcluster.install import seed_documents
from jupyter_nbctl.models import RESOURCES, Notebook, PodDefault, Template
from jupyter_nbctl.models.crds import render_all

REPO = Path(__file__).resolve().parents[2]


def test_deploy_crds_are_current_with_the_models() -> None:
    stale = [
        name
        for name, text in render_all().items()
        if not (REPO / "deploy" / "crds" / name).exists()
        or (REPO / "deploy" / "crds" / name).read_text() != text
    ]
    assert not stale, f"deploy/crds is stale for {stale}: run `make crds`"


def _walk(schema: dict, path: str, field: bool = False):
    """Every node of a schema; `field` is true for named properties."""
    yield path, schema, field
    for name, sub in schema.get("properties", {}).items():
        yield from _walk(sub, f"{path}.{name}", True)
    if "items" in schema:
        yield from _walk(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _walk(schema["additionalProperties"], f"{path}{{}}")


@pytest.mark.parametrize("model", RESOURCES, ids=lambda m: m.crd.kind)
def test_every_field_has_a_description_and_the_schema_is_structural(model) -> None:
    crd = yaml.safe_load(render_all()[f"{model.crd.plural}.yaml"])
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    for path, node, field in _walk(schema, model.crd.kind):
        assert "$ref" not in node and "allOf" not in node and "title" not in node, path
        assert "type" in node or node.get("x-kubernetes-int-or-string"), f"{path} has no type"
        if field and path != f"{model.crd.kind}.metadata":
            assert node.get("description"), f"{path} has no description"


def test_the_seed_examples_parse_and_serialise_unchanged() -> None:
    kinds = {m.crd.kind: m for m in (Template, PodDefault, Notebook)}
    for doc in seed_documents():
        model = kinds[doc["kind"]].model_validate(doc)
        out = model.to_dict()
        # Defaults the models fill in are allowed; everything the seed said stays.
        assert _contains(out, doc), doc["metadata"]["name"]


def _contains(big: object, small: object) -> bool:
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and _contains(big[k], v) for k, v in small.items())
    if isinstance(small, list):
        return isinstance(big, list) and len(big) == len(small) and all(map(_contains, big, small))
    return big == small
