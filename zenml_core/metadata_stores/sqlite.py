"""The ``sqlite`` metadata store flavor: one SQLite file (by default ``.zen/metadata.db``)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from attrs import frozen

from zenml_core.metadata_stores.base import BaseMetadataStore


@frozen
class SQLiteMetadataStoreConfig:
    """Configuration of the ``sqlite`` metadata store.

    ``path`` is relative to the repository root unless absolute.
    """

    path: str = ".zen/metadata.db"


class SQLiteMetadataStore(BaseMetadataStore[SQLiteMetadataStoreConfig]):
    """Keeps the run record in a SQLite database in WAL mode (readers never block the writer)."""

    @property
    def path(self) -> Path:
        """The absolute path of the database file."""
        return self.resolve_path(self.config.path)

    def _connect(self) -> Any:
        import peewee

        return peewee.SqliteDatabase(
            str(self.path),
            pragmas={"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30_000},
        )

    def initialize(self) -> None:
        """Create the database file and the schema tables, recording the schema version."""
        from zenml_core import __version__
        from zenml_core.metadata_stores import schema

        self.path.parent.mkdir(parents=True, exist_ok=True)
        database = self._connect()
        schema.database_proxy.initialize(database)
        with database.connection_context(), database.atomic():
            database.create_tables(schema.ALL_MODELS, safe=True)
            schema.SchemaVersion.insert(
                version=schema.SCHEMA_VERSION,
                applied_at=datetime.datetime.now(datetime.timezone.utc),
                zenml_version=__version__,
            ).on_conflict_ignore().execute()

    def schema_version(self) -> int | None:
        if not self.path.exists():
            return None
        import peewee

        from zenml_core.metadata_stores import schema

        database = self._connect()
        schema.database_proxy.initialize(database)
        with database.connection_context():
            if not database.table_exists("schema_version"):
                return None
            latest = schema.SchemaVersion.select(
                peewee.fn.MAX(schema.SchemaVersion.version)
            ).scalar()
        return int(latest) if latest is not None else None
