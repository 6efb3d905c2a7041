"""The images built here keep their Python compiled: no module is compiled again at a start.

Every layer is packed with one mtime, so a `.pyc` that records its source's
mtime would be stale in the image, and the notebook's server (as jovyan, who
cannot write the cache) would compile every module at every start.
"""

from __future__ import annotations

import importlib.util
import json
import struct
import tarfile
from pathlib import Path

import pytest

from devcluster.images import build_all

# Bookworm's Python 3.11: the same bytecode format as any 3.11.
TAG = ".cpython-311.pyc"


def _layer(outer: tarfile.TarFile) -> tarfile.TarFile:
    index = json.load(outer.extractfile("index.json"))  # type: ignore[arg-type]
    manifest_digest = index["manifests"][0]["digest"].removeprefix("sha256:")
    manifest = json.load(outer.extractfile(f"blobs/sha256/{manifest_digest}"))  # type: ignore[arg-type]
    (layer,) = manifest["layers"]
    blob = outer.extractfile(f"blobs/sha256/{layer['digest'].removeprefix('sha256:')}")
    return tarfile.open(fileobj=blob)


def _stale(archive: Path) -> tuple[int, list[str]]:
    """How many compiled modules the layer holds, and those Python would compile again."""
    sources: dict[str, tarfile.TarInfo] = {}
    compiled: dict[str, bytes] = {}
    with tarfile.open(archive) as outer, _layer(outer) as layer:
        for member in layer:
            if member.isfile() and member.name.endswith(".py"):
                sources[member.name] = member
            elif member.isfile() and member.name.endswith(TAG) and "/__pycache__/" in member.name:
                header = layer.extractfile(member).read(16)  # type: ignore[union-attr]
                compiled[member.name] = header
        stale = []
        for name, header in compiled.items():
            folder, _, file = name.rpartition("/__pycache__/")
            source = sources.get(f"{folder}/{file.removesuffix(TAG)}.py")
            if source is None:
                continue  # a module shipped compiled only: nothing to compare
            flags, recorded, size = struct.unpack("<III", header[4:16])
            if flags & 0b1:  # hash-based: valid while the source's hash matches
                data = layer.extractfile(source).read()  # type: ignore[union-attr]
                if flags & 0b10 and header[8:16] != importlib.util.source_hash(data):
                    stale.append(source.name)
            elif recorded != int(source.mtime) & 0xFFFFFFFF or size != source.size & 0xFFFFFFFF:
                stale.append(source.name)
    return len(compiled), stale


@pytest.mark.parametrize("image", ["notebook", "controller"])
def test_every_compiled_module_in_the_image_is_valid_for_its_source(image: str) -> None:
    built = build_all([image])[image]
    count, stale = _stale(built.archive)
    assert count > 1000, f"{image}: only {count} compiled modules in {built.archive}"
    assert not stale, f"{image}: {len(stale)} of {count} compiled modules are stale, e.g. {stale[:5]}"
