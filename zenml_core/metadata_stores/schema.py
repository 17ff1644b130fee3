"""The peewee models of the metadata store and the schema version they make up.

Imported only by code that opens a database: peewee stays out of ``import zenml_core``.
"""

from __future__ import annotations

import peewee

SCHEMA_VERSION = 1

database_proxy = peewee.DatabaseProxy()


class BaseModel(peewee.Model):
    class Meta:
        database = database_proxy


class SchemaVersion(BaseModel):
    """One row per schema version applied, so a store can refuse or migrate an old database."""

    version = peewee.IntegerField(primary_key=True)
    applied_at = peewee.DateTimeField()
    zenml_version = peewee.CharField()

    class Meta:
        table_name = "schema_version"


ALL_MODELS: list[type[BaseModel]] = [SchemaVersion]
