"""The materializer interface."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar


class BaseMaterializer:
    """Writes a value into an (empty, temporary) artifact folder and reads it back.

    Bump ``VERSION`` whenever the on-disk format changes: it is part of every cache key, so
    outputs written in the old format are not reused.
    """

    VERSION: ClassVar[str] = "1"
    # True: ``load`` and ``file_hashes`` also take a URL (``gs://...``) and read only what
    # they need from it, so an artifact in a store elsewhere is not downloaded whole first.
    READS_IN_PLACE: ClassVar[bool] = False
    # True: loading runs no code of the artifact's (no pickle), so run reports and the
    # dashboard may load it to show a preview; others show type, size and hash only.
    SAFE_TO_PREVIEW: ClassVar[bool] = False

    def save(self, value: Any, folder: Path) -> Mapping[str, Any] | None:
        """Write ``value`` into ``folder``. Return nothing, unless the materializer hashed
        files as it wrote them *and* checks those hashes whenever it reads the files: then
        return them (by relative path) and implement :meth:`file_hashes` too (see ``Dataset``)."""
        raise NotImplementedError

    def load(self, folder: Path, data_type: type) -> Any:
        """Read the value from ``folder`` (a URL instead for ``READS_IN_PLACE``)."""
        raise NotImplementedError

    @classmethod
    def file_hashes(cls, folder: str | Path) -> Mapping[str, str]:
        """The file hashes ``save`` returned, read back from ``folder``; loading verifies the
        rest of the folder by content before the materializer reads it."""
        return {}

    @classmethod
    def identity(cls) -> str:
        """``module:Class@version``: what a cache key and an artifact record remember."""
        return f"{cls.__module__}:{cls.__qualname__}@{cls.VERSION}"
