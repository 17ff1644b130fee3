"""The ``sqlite`` metadata store flavor: one SQLite file (by default ``.zen/metadata.db``)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from attrs import frozen

from zenml_core.metadata_stores.sql import SQLMetadataStore


@frozen
class SQLiteMetadataStoreConfig:
    """Configuration of the ``sqlite`` metadata store.

    ``path`` is relative to the repository root unless absolute.
    """

    path: str = ".zen/metadata.db"


class SQLiteMetadataStore(SQLMetadataStore[SQLiteMetadataStoreConfig]):
    """Keeps the run record in a SQLite database.

    WAL mode lets readers work while a run writes; ``synchronous=NORMAL`` keeps every commit
    safe from a killed process (not from power loss) without an fsync per step; write
    transactions take the write lock up front so concurrent writers queue on the busy
    timeout instead of failing with "database is locked".
    """

    DIALECT = "sqlite"

    @property
    def path(self) -> Path:
        """The absolute path of the database file."""
        return self.resolve_path(self.config.path)

    def _prepare(self) -> None:
        import contextlib
        import os

        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The run record is the owner's: readable by nobody else (then the umask applies).
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))

    def _connect(self) -> Any:
        import peewee

        return peewee.SqliteDatabase(
            str(self.path),
            pragmas={
                "journal_mode": "wal",
                "synchronous": "normal",
                "foreign_keys": 1,
                "busy_timeout": 60_000,
            },
        )

    def _adapt(self, value: Any) -> Any:
        # The text form peewee writes, without sqlite3's deprecated datetime adapter.
        return str(value) if isinstance(value, datetime.datetime) else value

    def _transient(self, exc: BaseException) -> bool:
        # Left over after the busy timeout, e.g. when a checkpoint holds the lock.
        return "database is locked" in str(exc) or "database is busy" in str(exc)

    def _write_lock(self) -> Any:
        return self.database.atomic(lock_type="IMMEDIATE")
