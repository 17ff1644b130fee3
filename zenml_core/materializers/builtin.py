"""Materializers for plain Python values: JSON for JSON-able data, raw bytes, pickle last."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path
from typing import Any

from zenml_core.errors import NotMaterializableError
from zenml_core.materializers.base import BaseMaterializer

_EXACT_TYPES = (bool, int, float, str, type(None), list, dict, tuple)


def _json_exact(value: Any) -> bool:
    """Whether JSON gives back exactly ``value`` (no tuples inside, string keys only)."""
    if value is None or isinstance(value, (bool, int, str)):
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_json_exact(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_exact(v) for k, v in value.items())
    return False


class JSONMaterializer(BaseMaterializer):
    """None, bool, int, float, str and lists/dicts/tuples of them, as ``data.json``."""

    SAFE_TO_PREVIEW = True

    def save(self, value: Any, folder: Path) -> None:
        if type(value) not in _EXACT_TYPES:  # a subclass would come back as its base class
            raise NotMaterializableError(f"{type(value).__qualname__} is a subclass of a JSON type")
        is_tuple = isinstance(value, tuple)
        data = list(value) if is_tuple else value
        if not _json_exact(data):
            raise NotMaterializableError(f"{type(value).__name__} value is not exactly JSON-able")
        document = {"tuple": is_tuple, "value": data}
        (folder / "data.json").write_text(json.dumps(document), encoding="utf-8")

    def load(self, folder: Path, data_type: type) -> Any:
        document = json.loads((folder / "data.json").read_text(encoding="utf-8"))
        value = document["value"]
        return tuple(value) if document["tuple"] else value


class BytesMaterializer(BaseMaterializer):
    """bytes, as ``data.bin``."""

    SAFE_TO_PREVIEW = True

    def save(self, value: Any, folder: Path) -> None:
        (folder / "data.bin").write_bytes(bytes(value))

    def load(self, folder: Path, data_type: type) -> Any:
        return (folder / "data.bin").read_bytes()


class PickleMaterializer(BaseMaterializer):
    """Anything picklable, as ``data.pkl``: the last resort (tied to Python and versions)."""

    def save(self, value: Any, folder: Path) -> None:
        with (folder / "data.pkl").open("wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)

    def load(self, folder: Path, data_type: type) -> Any:
        with (folder / "data.pkl").open("rb") as handle:
            return pickle.load(handle)
