"""Which materializer stores which type: an MRO walk over the type paths plugins registered.

Type paths (``"pandas:DataFrame"``) are resolved only once their module has been imported by
someone else, so looking up a materializer never imports numpy or pandas.
"""

from __future__ import annotations

import shutil
import sys
import threading
import warnings
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from zenml_core.errors import NotMaterializableError, PluginError
from zenml_core.materializers.base import BaseMaterializer
from zenml_core.plugin.registry import MaterializerEntry
from zenml_core.utils.imports import import_object

PICKLE = "zenml_core.materializers.builtin:PickleMaterializer"


class PickleFallbackWarning(UserWarning):
    """An output is stored with pickle because no materializer handles its type."""


def type_path(cls: type) -> str:
    """``module:QualName`` of a class, as recorded in specs and artifact records."""
    return f"{cls.__module__}:{cls.__qualname__}"


def load_materializer(path: str) -> type[BaseMaterializer]:
    """Import a materializer class by path and check that it is one."""
    cls = import_object(path, what="materializer")
    if not (isinstance(cls, type) and issubclass(cls, BaseMaterializer)):
        raise PluginError(f"{path} is not a BaseMaterializer subclass")
    return cls


class MaterializerRegistry:
    """Maps Python types to materializer import paths."""

    def __init__(self, entries: Iterable[MaterializerEntry]) -> None:
        self._unresolved = {entry.type: entry.materializer for entry in entries}
        self._by_class: dict[type, str] = {}
        self._lock = threading.Lock()

    def _resolve_imported(self) -> None:
        with self._lock:
            for path, materializer in list(self._unresolved.items()):
                if path.partition(":")[0] in sys.modules:
                    cls = import_object(path, what=f"type {path} of a registered materializer")
                    self._by_class[cls] = materializer
                    del self._unresolved[path]

    def lookup(self, cls: type) -> str | None:
        """The materializer path for ``cls`` or its nearest registered base class."""
        if self._unresolved:
            self._resolve_imported()
        for klass in cls.__mro__:
            found = self._by_class.get(klass)
            if found is not None:
                return found
        return None

    def for_value(self, value: Any, declared: str | None = None) -> str:
        """The materializer for ``value``: the declared one, the registered one, or pickle."""
        if declared is not None:
            return declared
        found = self.lookup(type(value))
        if found is not None:
            return found
        warn_pickle(type(value))
        return PICKLE


def save_value(
    registry: MaterializerRegistry, value: Any, folder: Path, declared: str | None
) -> tuple[str, Mapping[str, str] | None]:
    """Write ``value`` into the empty ``folder``; returns the materializer path used and the
    file hashes it computed while writing (if any).

    If the chosen materializer refuses this particular value (a dict with int keys for JSON,
    an object array for .npy), the folder is emptied and pickle is used, with a warning.
    """
    path = registry.for_value(value, declared)
    try:
        known = load_materializer(path)().save(value, folder)
    except NotMaterializableError as exc:
        for leftover in folder.iterdir():
            shutil.rmtree(leftover) if leftover.is_dir() else leftover.unlink()
        warn_pickle(type(value), str(exc))
        path = PICKLE
        known = load_materializer(path)().save(value, folder)
    return path, known


def warn_pickle(cls: type, reason: str = "no materializer is registered for it") -> None:
    warnings.warn(
        f"storing {type_path(cls)} with pickle: {reason}; register a materializer for it "
        "with the zenml_register_materializers hook, or pass materializers= to @step",
        PickleFallbackWarning,
        stacklevel=3,
    )
