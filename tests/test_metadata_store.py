"""The SQL metadata store beyond the conformance suite (tests/test_conformance.py):
schema creation, listing, error messages, orphans of other hosts."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import mysql_settings, reset_mysql

from zenml_core.errors import MetadataNotFoundError
from zenml_core.metadata_stores.base import BaseMetadataStore
from zenml_core.metadata_stores.mysql import MySQLMetadataStore, MySQLMetadataStoreConfig
from zenml_core.metadata_stores.records import NewArtifact
from zenml_core.metadata_stores.schema import SCHEMA_VERSION
from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig


@pytest.fixture(params=["sqlite", "mysql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> BaseMetadataStore:
    """Every metadata store flavor runs this whole suite."""
    if request.param == "mysql":
        reset_mysql()
        return MySQLMetadataStore(name="m", config=MySQLMetadataStoreConfig(**mysql_settings()))
    return SQLiteMetadataStore(
        name="m", config=SQLiteMetadataStoreConfig(path="m.db"), root=tmp_path
    )


def new_run(store: BaseMetadataStore, run_id: str, pipeline: str = "p", host: str = "host") -> None:
    store.create_run(
        run_id=run_id,
        name=f"{pipeline}-{run_id}",
        pipeline=pipeline,
        stack_name="default",
        stack={"orchestrator": {"name": "default"}},
        spec={"name": pipeline},
        parameters={"lr": 0.1},
        git_commit="abc",
        git_dirty=False,
        host=host,
        pid=123,
    )


def test_the_schema_is_created_on_first_use(store: BaseMetadataStore) -> None:
    assert store.schema_version() is None
    new_run(store, "r1")
    assert store.schema_version() == SCHEMA_VERSION


def test_listing_filters_and_orders_runs(store: BaseMetadataStore) -> None:
    for index, pipeline in enumerate(["a", "b", "a"]):
        new_run(store, f"r{index}", pipeline)
    store.finish_run("r0", "completed")
    assert [r.id for r in store.list_runs()] == ["r2", "r1", "r0"]
    assert [r.id for r in store.list_runs(pipeline="a")] == ["r2", "r0"]
    assert [r.id for r in store.list_runs(status="completed")] == ["r0"]
    assert [r.id for r in store.list_runs(limit=1)] == ["r2"]
    assert [(p.name, p.runs) for p in store.list_pipelines()] == [("a", 2), ("b", 1)]


def test_missing_records_are_clear_errors(store: BaseMetadataStore) -> None:
    with pytest.raises(
        MetadataNotFoundError, match="no run with id or name 'nope'; see `zenml runs list`"
    ):
        store.get_run("nope")
    with pytest.raises(MetadataNotFoundError, match="no artifact with id 9"):
        store.get_artifact(9)
    with pytest.raises(MetadataNotFoundError, match="no step run with id 9"):
        store.get_step_run(9)


def test_a_run_whose_process_is_alive_here_is_never_reaped_however_silent(
    store: BaseMetadataStore,
) -> None:
    import os
    import socket

    from zenml_core.execution.liveness import ORPHAN_AFTER
    from zenml_core.metadata_stores import sql

    for run_id in ("paused", "reused"):
        store.create_run(
            run_id=run_id, name=run_id, pipeline="p", stack_name="s", stack={}, spec={},
            parameters={}, git_commit=None, git_dirty=None, host=socket.gethostname(),
            pid=os.getpid(),
        )  # fmt: skip
    with store._session(write=True):  # type: ignore[attr-defined]
        # silent for a day (a process stopped with SIGSTOP, a debugger)
        store._execute("UPDATE run SET heartbeat_at = ?", (sql.utcnow() - ORPHAN_AFTER * 1440,))  # type: ignore[attr-defined]
        # the same pid, but another process (the system reused it after a reboot)
        store._execute("UPDATE run SET process_started = 1 WHERE id = 'reused'", ())  # type: ignore[attr-defined]
    assert store.get_run("paused").status == "running"
    reused = store.get_run("reused")
    assert reused.status == "failed" and "ended without closing it" in (reused.error or "")


def test_runs_silent_on_another_host_are_reaped_after_a_while(
    store: BaseMetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # (a dead process on this host is in the conformance suite)
    import zenml_core.execution.liveness as liveness

    new_run(store, "elsewhere", host="another-machine")
    alive = store.get_run("p-elsewhere")  # recent heartbeat from another machine: left alone
    assert alive.status == "running"
    monkeypatch.setattr(liveness, "ORPHAN_AFTER", liveness.datetime.timedelta(seconds=-1))
    (reaped,) = store.reap_orphans()
    assert reaped == "elsewhere"
    assert store.get_run("elsewhere").error.startswith(
        "orphaned: no heartbeat from another-machine for "
    )


def test_names_compare_case_sensitively_and_fit_at_the_limit(store: BaseMetadataStore) -> None:
    from zenml_core.naming import MAX_NAME_LENGTH

    new_run(store, "r1", "CaseCheck")
    new_run(store, "r2", "casecheck")
    assert [(p.name, p.runs) for p in store.list_pipelines()] == [
        ("CaseCheck", 1),
        ("casecheck", 1),
    ]
    longest = "p" * MAX_NAME_LENGTH
    new_run(store, "r3", longest)  # and its run name, composed from it
    step = store.start_step("r3", "s" * MAX_NAME_LENGTH, {}, None)
    assert store.get_step_run(step).name == "s" * MAX_NAME_LENGTH
    assert store.get_run("r3").pipeline == longest


def test_a_mysql_store_of_schema_4_is_upgraded_to_binary_names(tmp_path: Path) -> None:
    """Version 5 adds the cache key's parts and makes MySQL name columns binary (before it,
    ``CaseCheck`` and ``casecheck`` landed in one pipeline)."""
    import pymysql

    reset_mysql()
    store = MySQLMetadataStore(name="m", config=MySQLMetadataStoreConfig(**mysql_settings()))
    new_run(store, "r1", "CaseCheck")
    store.database.close()
    settings = mysql_settings()
    connection = pymysql.connect(**settings)  # type: ignore[arg-type]
    with connection, connection.cursor() as cursor:  # take it back to version 4
        cursor.execute("ALTER TABLE step_run DROP COLUMN cache_parts, DROP COLUMN reason")
        cursor.execute("ALTER TABLE run DROP COLUMN process_started")  # version 6
        cursor.execute("ALTER TABLE step_run DROP COLUMN attempts")  # version 7
        cursor.execute("ALTER TABLE artifact DROP COLUMN metadata")
        cursor.execute("ALTER TABLE artifact MODIFY producer_id INT NOT NULL")  # version 8
        for index in ("run_started_at_id", "run_status_started_at_id"):  # version 9
            cursor.execute(f"DROP INDEX {index} ON run")
        cursor.execute("DROP TABLE schedule")  # version 10
        cursor.execute("ALTER TABLE run DROP COLUMN schedule")
        cursor.execute(
            "ALTER TABLE pipeline MODIFY name VARCHAR(255) CHARACTER SET utf8mb4"
            " COLLATE utf8mb4_general_ci NOT NULL"
        )
        cursor.execute(f"UPDATE schema_version SET version = 4 WHERE version = {SCHEMA_VERSION}")
        connection.commit()
        cursor.execute("SELECT COUNT(*) FROM pipeline WHERE name = 'casecheck'")
        assert cursor.fetchone() == (1,)  # the old collation: one pipeline for both
    upgraded = MySQLMetadataStore(name="m", config=MySQLMetadataStoreConfig(**settings))
    assert upgraded.schema_version() == 4
    new_run(upgraded, "r2", "casecheck")
    assert upgraded.schema_version() == SCHEMA_VERSION
    assert [p.name for p in upgraded.list_pipelines()] == ["CaseCheck", "casecheck"]
    step = upgraded.start_step("r2", "s", {}, "k", cache_parts={"code": {}}, reason="why")
    assert upgraded.get_step_run(step).cache_parts == {"code": {}}
    assert upgraded.get_step_run(step).reason == "why"
    external = upgraded.record_external_artifact(  # version 8: an artifact of no step
        NewArtifact(output_name="value-0", uri="file:///v", type="builtins:int",
                    materializer="m@1", size=1, content_hash="h")
    )  # fmt: skip
    assert upgraded.get_artifact(external).producer_id is None


def test_a_store_that_does_not_reap_on_read_only_reports_orphans(
    store: BaseMetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # what a read-only client (reports, the dashboard) sees: the run as recorded, and why it
    # looks orphaned, with nothing written
    import zenml_core.execution.liveness as liveness

    new_run(store, "silent", host="another-machine")
    monkeypatch.setattr(liveness, "ORPHAN_AFTER", liveness.datetime.timedelta(seconds=-1))
    store.reap_on_read = False
    assert store.get_run("silent").status == "running"
    assert [run.status for run in store.list_runs()] == ["running"]
    (reason,) = store.orphans().values()
    assert reason.startswith("orphaned: no heartbeat from another-machine for ")
    store.reap_on_read = True
    assert store.get_run("silent").status == "failed"
    assert store.orphans() == {}
