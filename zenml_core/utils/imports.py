"""Resolve ``module:attribute`` import paths, the way plugins name their classes."""

from __future__ import annotations

import importlib
from typing import Any

from zenml_core.errors import PluginError


def import_object(path: str, *, what: str) -> Any:
    """Import ``module:attr`` (``attr`` may be dotted); ``what`` names the object in errors."""
    module_name, sep, attribute = path.partition(":")
    if not sep or not module_name or not attribute:
        raise PluginError(f"{what}: import path {path!r} must look like 'package.module:Name'")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise PluginError(
            f"{what}: cannot import module {module_name!r} ({exc}); "
            "install the package that provides it"
        ) from exc
    for part in attribute.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError as exc:
            raise PluginError(
                f"{what}: module {module_name!r} has no attribute {attribute!r}"
            ) from exc
    return obj
