"""The SQL metadata store: runs, step runs, artifacts, lineage, caching lookups, threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import mysql_settings, reset_mysql

from zenml_core.metadata_stores.base import BaseMetadataStore, MetadataNotFoundError
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


def new_run(store: BaseMetadataStore, run_id: str, pipeline: str = "p") -> None:
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
        host="host",
        pid=123,
    )


def artifact(name: str, content: str = "h") -> NewArtifact:
    return NewArtifact(name, f"/store/{name}", "builtins:int", "json@1", 3, content)


def test_the_schema_is_created_on_first_use(store: BaseMetadataStore) -> None:
    assert store.schema_version() is None
    new_run(store, "r1")
    assert store.schema_version() == SCHEMA_VERSION


def test_a_run_with_steps_artifacts_and_lineage(store: BaseMetadataStore) -> None:
    new_run(store, "r1")
    run = store.get_run("r1")
    assert (run.status, run.pipeline, run.parameters, run.git_commit) == (
        "running",
        "p",
        {"lr": 0.1},
        "abc",
    )
    assert store.get_run("p-r1") == run  # by name too

    load = store.start_step("r1", "load", {"n": 3}, "key-load")
    outputs = store.complete_step(load, [artifact("output")], {})
    train = store.start_step("r1", "train", {}, "key-train")
    store.complete_step(
        train, [artifact("model"), artifact("metrics")], {"data": outputs["output"].id}
    )
    store.finish_run("r1", "completed")

    run = store.get_run("r1")
    assert run.status == "completed" and run.ended_at is not None
    steps = store.list_step_runs("r1")
    assert [(s.name, s.status, s.parameters) for s in steps] == [
        ("load", "completed", {"n": 3}),
        ("train", "completed", {}),
    ]
    assert set(store.step_run_outputs(train)) == {"model", "metrics"}
    inputs = store.step_run_inputs(train)
    assert inputs["data"].producer_id == load  # lineage back to the producer
    assert store.step_outputs("r1", "train")["model"].uri == "/store/model"
    assert store.step_outputs("r1", "missing") == {}


def test_cached_steps_point_at_the_original_artifacts(store: BaseMetadataStore) -> None:
    new_run(store, "r1")
    original = store.start_step("r1", "load", {}, "same-key")
    created = store.complete_step(original, [artifact("output")], {})
    assert store.find_cached("other-key") is None
    hit = store.find_cached("same-key")
    assert hit is not None and hit[0].id == original
    new_run(store, "r2")
    cached = store.record_cached_step("r2", "load", {}, "same-key", original, {})
    assert store.get_step_run(cached).status == "cached"
    assert store.get_step_run(cached).cached_from == original
    assert store.step_run_outputs(cached) == created
    assert store.find_cached("same-key")[0].id == original


def test_finishing_a_run_fails_steps_left_running(store: BaseMetadataStore) -> None:
    new_run(store, "r1")
    step = store.start_step("r1", "slow", {}, None)
    store.skip_step("r1", "after", "upstream step 'slow' failed")
    store.finish_run("r1", "failed", "interrupted")
    assert store.get_step_run(step).status == "failed"
    assert [s.status for s in store.list_step_runs("r1")] == ["failed", "skipped"]
    assert store.get_run("r1").error == "interrupted"


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


def test_threads_write_concurrently_without_losing_rows(store: BaseMetadataStore) -> None:
    new_run(store, "r1")
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for index in range(25):
                step = store.start_step("r1", f"w{worker}-{index}", {}, f"k{worker}-{index}")
                store.complete_step(step, [artifact("output", f"{worker}-{index}")], {})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    steps = store.list_step_runs("r1")
    assert len(steps) == 100 and {s.status for s in steps} == {"completed"}
    assert len({s.cache_key for s in steps}) == 100


def test_runs_of_dead_processes_are_reaped_on_read(
    store: BaseMetadataStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket
    import subprocess
    import sys

    import zenml_core.metadata_stores.sql as sql

    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    dead_pid = sleeper.pid
    store.create_run(
        run_id="here",
        name="here",
        pipeline="p",
        stack_name="s",
        stack={},
        spec={},
        parameters={},
        git_commit=None,
        git_dirty=None,
        host=socket.gethostname(),
        pid=dead_pid,
    )
    step = store.start_step("here", "work", {}, None)
    assert store.get_run("here").status == "running"  # its process is alive
    sleeper.kill()
    sleeper.wait()
    store.create_run(
        run_id="elsewhere",
        name="elsewhere",
        pipeline="p",
        stack_name="s",
        stack={},
        spec={},
        parameters={},
        git_commit=None,
        git_dirty=None,
        host="another-machine",
        pid=1,
    )
    alive = store.get_run("elsewhere")  # recent heartbeat from another machine: left alone
    assert alive.status == "running"
    here = store.get_run("here")
    assert here.status == "failed"
    host = socket.gethostname()
    expected = f"orphaned: its process (pid {dead_pid} on {host}) ended without closing it"
    assert here.error == expected
    assert store.get_step_run(step).status == "failed"

    monkeypatch.setattr(sql, "ORPHAN_AFTER", sql.datetime.timedelta(seconds=-1))
    (reaped,) = store.reap_orphans()
    assert reaped == "elsewhere"
    assert store.get_run("elsewhere").error.startswith(
        "orphaned: no heartbeat from another-machine for "
    )
