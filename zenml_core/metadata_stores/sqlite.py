"""The ``sqlite`` metadata store flavor: one SQLite file (by default ``.zen/metadata.db``)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
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


_locks: dict[Path, threading.RLock] = {}
_locks_guard = threading.Lock()


def _process_lock(path: Path) -> threading.RLock:
    """One lock per database file for the whole process (several store objects may open it)."""
    with _locks_guard:
        return _locks.setdefault(path, threading.RLock())


class SQLiteMetadataStore(SQLMetadataStore[SQLiteMetadataStoreConfig]):
    """Keeps the run record in a SQLite database.

    WAL mode lets readers work while a run writes; ``synchronous=NORMAL`` keeps every commit
    safe from a killed process (not from power loss) without an fsync per step; write
    transactions take the write lock up front so concurrent writers queue on the busy
    timeout instead of failing with "database is locked".
    """

    DIALECT = "sqlite"

    @cached_property
    def path(self) -> Path:
        """The absolute path of the database file (resolved once: every step asks)."""
        return self.resolve_path(self.config.path)

    def local_folder(self) -> Path:
        return self.path.parent  # the database with its -wal and -shm files

    def _prepare(self) -> None:
        import contextlib
        import os

        # Never open an existing database file here: closing any descriptor of it releases
        # every POSIX lock this process holds on it, SQLite's own included (a damaged header
        # shows as SQLite's "file is not a database", see _describe_failure).
        if self.path.is_file():
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The run record is the owner's: readable by nobody else (then the umask applies).
        with contextlib.suppress(FileExistsError):
            os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))

    def _damaged(self, problem: str) -> str:
        return (
            f"the metadata store {self.name!r} at {self.path} is damaged ({problem}); move it "
            "aside, then `zenml metadata rebuild` gets the history back from the artifact "
            "store's manifests"
        )

    def _disk_full(self) -> bool:
        """SQLite reports a write that found no space as a plain I/O error (WAL appends)."""
        import shutil

        try:
            return shutil.disk_usage(self.path.parent).free < (1 << 20)
        except OSError:
            return False

    @property
    def read_only(self) -> bool:
        """Whether the database's folder cannot be written (a read-only mount or checkout):
        reading commands then open it immutable, writing ones fail naming the path."""
        import os

        return self.path.exists() and not os.access(self.path.parent, os.W_OK)

    def _describe_failure(self, exc: BaseException) -> str | None:
        messages: list[str] = []
        current: BaseException | None = exc
        while current is not None and len(messages) < 8:
            messages.append(str(current))
            current = current.__cause__ or current.__context__
        text = " | ".join(messages).lower()
        if "malformed" in text or "not a database" in text:
            return self._damaged(messages[0])
        if "full" in text or "no space" in text or ("i/o error" in text and self._disk_full()):
            return f"no space left on device for the metadata store at {self.path}"
        if "i/o error" in text:
            return f"the disk failed under the metadata store at {self.path} ({messages[0]})"
        if (
            "readonly" in text
            or "read-only" in text
            or ("unable to open" in text and self.read_only)
        ):
            return (
                f"cannot write the metadata store at {self.path}: its folder is read-only; "
                "reading commands (`zenml runs list`, `runs show`) still work"
            )
        if "unable to open" in text:
            return f"cannot open the metadata store at {self.path} ({messages[0]})"
        return None

    def _connect(self) -> Any:
        import peewee

        if self.read_only:
            # Without write access SQLite cannot take WAL locks; immutable skips locking.
            return peewee.SqliteDatabase(
                f"file:{self.path}?mode=ro&immutable=1", uri=True, pragmas={"foreign_keys": 1}
            )
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

    @contextmanager
    def _write_lock(self) -> Iterator[None]:
        # Threads of this process take turns here first: waiting on a Python lock wakes the
        # next writer as soon as the last commits, while SQLite's busy handler sleeps in
        # growing steps (up to 100 ms) and left 50 parallel steps queued for a second.
        with _process_lock(self.path), self.database.atomic(lock_type="IMMEDIATE"):
            yield
