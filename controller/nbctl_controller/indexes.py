"""Reading kopf's in-memory indexes: each key holds a collection, ours one value per key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def one(index: Mapping[Any, Any], key: Any) -> Any:
    """The single value a kopf index holds for a key, or None."""
    store = index.get(key)
    return next(iter(store), None) if store else None
