"""The peewee models of the metadata store, built per database.

Models are created by :func:`build_models` for one database object instead of being bound to
a global proxy, so several stores (two repositories, SQLite and MySQL) can live in one process
and in several threads. peewee is imported only by code that opens a database.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import peewee

SCHEMA_VERSION = 4

# How to bring a database from version N-1 to N, in order. Plain SQL that SQLite and MySQL
# both accept; a test upgrades a real version-1 database (tests/fixtures/).
MIGRATIONS: dict[int, list[str]] = {
    2: ["ALTER TABLE run ADD COLUMN resumed_from VARCHAR(64) NULL"],
    3: ["ALTER TABLE step_run ADD COLUMN metadata TEXT NULL"],
    4: ["ALTER TABLE run ADD COLUMN orchestrator_run_id VARCHAR(255) NULL"],
}


def build_models(database: Any) -> SimpleNamespace:
    """The model classes, bound to ``database``; ``.all`` lists them in creation order."""

    bound = database  # a class body cannot read a closure variable it also assigns

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
        name = peewee.CharField(max_length=255, unique=True)
        created_at = peewee.DateTimeField()

    class Run(Base):
        id = peewee.CharField(max_length=64, primary_key=True)
        name = peewee.CharField(max_length=255, unique=True)
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

        class Meta:
            indexes = ((("pipeline", "started_at"), False),)

    class StepRun(Base):
        run = peewee.ForeignKeyField(Run, backref="steps", on_delete="CASCADE")
        name = peewee.CharField(max_length=255)
        status = peewee.CharField(max_length=16)
        started_at = peewee.DateTimeField()
        ended_at = peewee.DateTimeField(null=True)
        cache_key = peewee.CharField(max_length=64, null=True)
        cached_from = peewee.ForeignKeyField("self", null=True, on_delete="SET NULL")
        parameters = peewee.TextField()
        error = peewee.TextField(null=True)
        metadata = peewee.TextField(null=True)  # version 3: what the step logged

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
        producer = peewee.ForeignKeyField(StepRun, backref="produced", on_delete="CASCADE")
        output_name = peewee.CharField(max_length=255)
        created_at = peewee.DateTimeField()

    class StepOutput(Base):
        """Links every step run, cached ones too, to the artifacts it output."""

        step_run = peewee.ForeignKeyField(StepRun, on_delete="CASCADE")
        artifact = peewee.ForeignKeyField(Artifact, on_delete="CASCADE")
        name = peewee.CharField(max_length=255)

        class Meta:
            primary_key = peewee.CompositeKey("step_run", "name")

    class StepInput(Base):
        """Lineage: which artifacts a step run read, under which input name."""

        step_run = peewee.ForeignKeyField(StepRun, on_delete="CASCADE")
        artifact = peewee.ForeignKeyField(Artifact, backref="consumers", on_delete="CASCADE")
        name = peewee.CharField(max_length=255)

        class Meta:
            primary_key = peewee.CompositeKey("step_run", "name")

    models = [SchemaVersion, Pipeline, Run, StepRun, Artifact, StepOutput, StepInput]
    return SimpleNamespace(
        SchemaVersion=SchemaVersion,
        Pipeline=Pipeline,
        Run=Run,
        StepRun=StepRun,
        Artifact=Artifact,
        StepOutput=StepOutput,
        StepInput=StepInput,
        all=models,
    )
