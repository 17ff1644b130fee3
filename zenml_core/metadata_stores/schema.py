"""The peewee models of the metadata store, built per database.

Models are created by :func:`build_models` for one database object instead of being bound to
a global proxy, so several stores (two repositories, SQLite and MySQL) can live in one process
and in several threads. peewee is imported only by code that opens a database.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import peewee

SCHEMA_VERSION = 10
NAME_LENGTH = 255  # columns; names users choose are limited to 100 characters (naming.py)
MYSQL_NAME_COLLATION = "utf8mb4_bin"  # names compare case-sensitively, as on SQLite

Execute = Callable[[str], Any]


def _texts(dialect: str) -> str:
    return "LONGTEXT" if dialect == "mysql" else "TEXT"


def _v5(execute: Execute, dialect: str) -> None:
    text = _texts(dialect)
    execute(f"ALTER TABLE step_run ADD COLUMN cache_parts {text} NULL")
    execute(f"ALTER TABLE step_run ADD COLUMN reason {text} NULL")
    if dialect == "mysql":  # SQLite compares text binary already
        for table, column in (
            ("pipeline", "name"),
            ("run", "name"),
            ("step_run", "name"),
            ("artifact", "output_name"),
            ("step_output", "name"),
            ("step_input", "name"),
        ):
            execute(
                f"ALTER TABLE `{table}` MODIFY `{column}` VARCHAR({NAME_LENGTH})"
                f" CHARACTER SET utf8mb4 COLLATE {MYSQL_NAME_COLLATION} NOT NULL"
            )


def _v7(execute: Execute, dialect: str) -> None:
    execute(f"ALTER TABLE step_run ADD COLUMN attempts {_texts(dialect)} NULL")
    execute(f"ALTER TABLE artifact ADD COLUMN metadata {_texts(dialect)} NULL")


def _v8(execute: Execute, dialect: str) -> None:
    """An artifact may have no producing step run (``ExternalArtifact(value)``)."""
    if dialect == "mysql":
        execute("ALTER TABLE artifact MODIFY producer_id INT NULL")
        return
    # SQLite cannot drop NOT NULL in place, and rebuilding the table would cascade-delete the
    # links to it: its stored definition is edited instead, the way SQLite documents for
    # removing a NOT NULL constraint (the file format does not change).
    version = execute("PRAGMA schema_version").fetchone()[0]
    execute("PRAGMA writable_schema = ON")
    execute(
        "UPDATE sqlite_master SET sql = replace(sql, '\"producer_id\" INTEGER NOT NULL',"
        " '\"producer_id\" INTEGER') WHERE type = 'table' AND name = 'artifact'"
    )
    execute(f"PRAGMA schema_version = {int(version) + 1}")
    execute("PRAGMA writable_schema = OFF")


# version 9: the newest runs are read in index order, all of them or one status's, not
# sorted from the whole table (`zenml runs list` at 100,000 runs)
_V9_INDEXES = {
    "run_started_at_id": "run (started_at, id)",
    "run_status_started_at_id": "run (status, started_at, id)",
}


def _v9(execute: Execute, dialect: str) -> None:
    for name, columns in _V9_INDEXES.items():
        execute(f"CREATE INDEX {name} ON {columns}")


def _v10(execute: Execute, dialect: str) -> None:
    """Schedules, and the schedule a run was started by."""
    text = _texts(dialect)
    if dialect == "mysql":
        name = f"VARCHAR({NAME_LENGTH}) CHARACTER SET utf8mb4 COLLATE {MYSQL_NAME_COLLATION}"
        key = "INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY"
    else:
        name, key = f"VARCHAR({NAME_LENGTH})", "INTEGER NOT NULL PRIMARY KEY"
    execute(
        f"CREATE TABLE schedule (id {key}, name {name} NOT NULL UNIQUE, pipeline {name} NOT NULL,"
        f" orchestrator {name} NOT NULL, timing {text} NOT NULL, spec {text} NOT NULL,"
        f" folder {text} NOT NULL, paused BOOL NOT NULL, created_at DATETIME NOT NULL,"
        " orchestrator_schedule_id VARCHAR(255) NULL)"
    )
    execute(f"ALTER TABLE run ADD COLUMN schedule {name} NULL")


# How to bring a database from version N-1 to N, in order: a function of (execute, dialect),
# since SQLite and MySQL cannot always share one SQL text. Tests upgrade a real version-1
# SQLite database (tests/fixtures/) and a MySQL database taken back to version 4.
MIGRATIONS: dict[int, Callable[[Execute, str], None]] = {
    2: lambda execute, _: execute("ALTER TABLE run ADD COLUMN resumed_from VARCHAR(64) NULL"),
    3: lambda execute, dialect: execute(
        f"ALTER TABLE step_run ADD COLUMN metadata {_texts(dialect)} NULL"
    ),
    4: lambda execute, _: execute(
        "ALTER TABLE run ADD COLUMN orchestrator_run_id VARCHAR(255) NULL"
    ),
    5: _v5,
    6: lambda execute, _: execute("ALTER TABLE run ADD COLUMN process_started BIGINT NULL"),
    7: _v7,
    8: _v8,
    9: _v9,
    10: _v10,
}


def build_models(database: Any) -> SimpleNamespace:
    """The model classes, bound to ``database``; ``.all`` lists them in creation order."""

    bound = database  # a class body cannot read a closure variable it also assigns
    collation = MYSQL_NAME_COLLATION if isinstance(database, peewee.MySQLDatabase) else None

    def name_field(**kwargs: Any) -> Any:
        return peewee.CharField(max_length=NAME_LENGTH, collation=collation, **kwargs)

    class Base(peewee.Model):
        class Meta:
            database = bound
            legacy_table_names = False

    class SchemaVersion(Base):
        """One row per schema version applied, so a store can refuse an unknown database."""

        version = peewee.IntegerField(primary_key=True)
        applied_at = peewee.DateTimeField()
        zenml_version = peewee.CharField(max_length=64)

    class Pipeline(Base):
        name = name_field(unique=True)
        created_at = peewee.DateTimeField()

    class Run(Base):
        id = peewee.CharField(max_length=64, primary_key=True)
        name = name_field(unique=True)
        pipeline = peewee.ForeignKeyField(Pipeline, backref="runs", on_delete="CASCADE")
        status = peewee.CharField(max_length=16, index=True)
        started_at = peewee.DateTimeField()
        ended_at = peewee.DateTimeField(null=True)
        git_commit = peewee.CharField(max_length=64, null=True)
        git_dirty = peewee.BooleanField(null=True)
        stack_name = peewee.CharField(max_length=255)
        stack = peewee.TextField()
        spec = peewee.TextField()
        parameters = peewee.TextField()
        host = peewee.CharField(max_length=255)
        pid = peewee.IntegerField()
        heartbeat_at = peewee.DateTimeField()
        error = peewee.TextField(null=True)
        resumed_from = peewee.CharField(max_length=64, null=True)  # version 2
        # version 4: the run's id at a remote orchestrator that runs it (and reports its end)
        orchestrator_run_id = peewee.CharField(max_length=255, null=True)
        # version 6: when the recorded process started, so a reused pid is not taken for it
        process_started = peewee.BigIntegerField(null=True)
        schedule = name_field(null=True)  # version 10: the schedule that started it

        class Meta:
            indexes = (
                (("pipeline", "started_at"), False),
                (("started_at", "id"), False),  # version 9
                (("status", "started_at", "id"), False),  # version 9
            )

    class StepRun(Base):
        run = peewee.ForeignKeyField(Run, backref="steps", on_delete="CASCADE")
        name = name_field()
        status = peewee.CharField(max_length=16)
        started_at = peewee.DateTimeField()
        ended_at = peewee.DateTimeField(null=True)
        cache_key = peewee.CharField(max_length=64, null=True)
        cached_from = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL")
        parameters = peewee.TextField()
        error = peewee.TextField(null=True)
        metadata = peewee.TextField(null=True)  # version 3: what the step logged
        # version 5: the cache key's parts (code by qualified name, parameters, inputs,
        # materializers) and why the step ran instead of coming from the cache
        cache_parts = peewee.TextField(null=True)
        reason = peewee.TextField(null=True)
        # version 7: the failed attempts of a step that was retried (JSON list), so a retry
        # keeps the one (run, name) row
        attempts = peewee.TextField(null=True)

        class Meta:
            indexes = (
                (("run", "name"), True),
                (("cache_key", "status"), False),
            )

    class Artifact(Base):
        uri = peewee.TextField()
        type = peewee.CharField(max_length=512)
        materializer = peewee.CharField(max_length=512)
        size = peewee.BigIntegerField()
        content_hash = peewee.CharField(max_length=64, index=True)
        # version 8: null for a value passed in as ExternalArtifact(value), made by no step
        producer = peewee.ForeignKeyField(
            StepRun, backref="produced", on_delete="CASCADE", null=True
        )
        output_name = name_field()
        created_at = peewee.DateTimeField()
        metadata = peewee.TextField(null=True)  # version 7: log_metadata(artifact_name=...)

    class StepOutput(Base):
        """Links every step run, cached ones too, to the artifacts it output."""

        step_run = peewee.ForeignKeyField(StepRun, on_delete="CASCADE")
        artifact = peewee.ForeignKeyField(Artifact, on_delete="CASCADE")
        name = name_field()

        class Meta:
            primary_key = peewee.CompositeKey("step_run", "name")

    class StepInput(Base):
        """Lineage: which artifacts a step run read, under which input name."""

        step_run = peewee.ForeignKeyField(StepRun, on_delete="CASCADE")
        artifact = peewee.ForeignKeyField(Artifact, backref="consumers", on_delete="CASCADE")
        name = name_field()

        class Meta:
            primary_key = peewee.CompositeKey("step_run", "name")

    class Schedule(Base):
        """Version 10: a pipeline run on a schedule by an orchestrator that has a scheduler."""

        name = name_field(unique=True)
        pipeline = name_field()
        orchestrator = name_field()
        timing = peewee.TextField()  # JSON: cron or interval, timezone, start, end, catchup
        spec = peewee.TextField()  # the pinned spec
        folder = peewee.TextField()  # the pinned copy of the project's files
        paused = peewee.BooleanField(default=False)
        created_at = peewee.DateTimeField()
        orchestrator_schedule_id = peewee.CharField(max_length=255, null=True)

    models = [SchemaVersion, Pipeline, Run, StepRun, Artifact, StepOutput, StepInput, Schedule]
    return SimpleNamespace(
        SchemaVersion=SchemaVersion,
        Schedule=Schedule,
        Pipeline=Pipeline,
        Run=Run,
        StepRun=StepRun,
        Artifact=Artifact,
        StepOutput=StepOutput,
        StepInput=StepInput,
        all=models,
    )
