"""Optional dependencies grouped as extras: a missing one is named with the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from zenml_core.errors import MissingExtraError

# Which extra of zenml-core brings each module (pyproject.toml, optional-dependencies).
EXTRA_OF = {"numpy": "ml", "pandas": "ml", "pyarrow": "ml", "sklearn": "ml", "pymysql": "mysql"}


def require(module: str, *, needed_by: str) -> ModuleType:
    """Import ``module``, or raise one line naming what needs it and the extra that brings it."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module.partition(".")[0]:
            raise
        extra = EXTRA_OF.get(exc.name, "ml")
        raise MissingExtraError(
            f"{needed_by} needs {exc.name}, which is not installed: install zenml-core's "
            f"{extra!r} extra (from a clone: pip install -e '.[{extra}]')"
        ) from None
