"""Schema evolution: an old database is upgraded in place; a newer one is refused."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from zenml_core.errors import SchemaVersionError
from zenml_core.metadata_stores.schema import SCHEMA_VERSION
from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig

FIXTURE = Path(__file__).parent / "fixtures" / "metadata-schema-1.db"


def open_copy(tmp_path: Path) -> SQLiteMetadataStore:
    shutil.copy(FIXTURE, tmp_path / "old.db")
    return SQLiteMetadataStore(
        name="m", config=SQLiteMetadataStoreConfig(path="old.db"), root=tmp_path
    )


def test_a_version_1_database_is_upgraded_in_place(tmp_path: Path) -> None:
    store = open_copy(tmp_path)
    assert store.schema_version() == 1
    runs = store.list_runs()  # the first use upgrades it
    assert store.schema_version() == SCHEMA_VERSION
    assert len(runs) == 2 and {r.status for r in runs} == {"completed"}
    assert all(r.resumed_from is None for r in runs)  # the column added by version 2
    newer = max(runs, key=lambda r: r.started_at)
    steps = store.list_step_runs(newer.id)
    assert {s.status for s in steps} == {"cached"}
    totals = [s for s in steps if s.name == "total"]
    assert store.step_run_outputs(totals[0].id)["output"].producer_id == totals[0].cached_from
    versions = (
        sqlite3.connect(tmp_path / "old.db")
        .execute("SELECT version FROM schema_version")
        .fetchall()
    )
    assert sorted(v for (v,) in versions) == list(range(1, SCHEMA_VERSION + 1))
    # version 8: an artifact of no step (ExternalArtifact(value)); the old links are intact
    from zenml_core.metadata_stores.records import NewArtifact

    new = store.record_external_artifact(
        NewArtifact(
            output_name="value-0", uri="file:///v", type="builtins:int", materializer="m@1",
            size=1, content_hash="h",
        )
    )  # fmt: skip
    assert store.get_artifact(new).producer_id is None
    assert store.step_run_outputs(totals[0].id)["output"].producer_id == totals[0].cached_from
    database = sqlite3.connect(tmp_path / "old.db")
    assert database.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert database.execute("PRAGMA foreign_key_check").fetchall() == []


def test_upgrading_twice_is_harmless(tmp_path: Path) -> None:
    open_copy(tmp_path).list_runs()
    again = SQLiteMetadataStore(
        name="m", config=SQLiteMetadataStoreConfig(path="old.db"), root=tmp_path
    )
    assert len(again.list_runs()) == 2


def test_a_newer_database_is_refused_naming_both_versions(tmp_path: Path) -> None:
    store = open_copy(tmp_path)
    store.list_runs()
    with sqlite3.connect(tmp_path / "old.db") as connection:
        connection.execute(
            "INSERT INTO schema_version (version, applied_at, zenml_version)"
            " VALUES (99, '2030-01-01', '9.0')"
        )
    fresh = SQLiteMetadataStore(
        name="m", config=SQLiteMetadataStoreConfig(path="old.db"), root=tmp_path
    )
    with pytest.raises(SchemaVersionError) as caught:
        fresh.list_runs()
    message = str(caught.value)
    assert "schema version 99" in message and f"versions up to {SCHEMA_VERSION}" in message
    assert "upgrade zenml-core" in message
