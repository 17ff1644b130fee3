"""The materializer interface."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar


class BaseMaterializer:
    """Writes a value into an (empty, temporary) artifact folder and reads it back.

    Bump ``VERSION`` whenever the on-disk format changes: it is part of every cache key, so
    outputs written in the old format are not reused.
    """

    VERSION: ClassVar[str] = "1"

    def save(self, value: Any, folder: Path) -> None:
        raise NotImplementedError

    def load(self, folder: Path, data_type: type) -> Any:
        raise NotImplementedError

    @classmethod
    def identity(cls) -> str:
        """``module:Class@version``: what a cache key and an artifact record remember."""
        return f"{cls.__module__}:{cls.__qualname__}@{cls.VERSION}"
