"""Every read the CLI and ``Client`` offer uses an index on ``run`` and ``step_run``: each
query they send is run again under ``EXPLAIN QUERY PLAN`` and a full scan (or a sort of the
whole table) of either fails the test. What stays fast at 100,000 runs is a plan, not a timing."""

from __future__ import annotations

import io
import re
import sqlite3
from typing import Any

from sample_steps import arithmetic

from zenml_core.client import Client
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack

# A table read whole: "SCAN run" without an index (a covering index is read in its order:
# counting runs per pipeline reads one), or its rows sorted in a temporary B-tree.
_FULL_SCAN = re.compile(r"^SCAN (TABLE )?(run|step_run)\b(?!.*USING (COVERING )?INDEX)")


def recorded_queries(store: Any, work: Any) -> list[tuple[str, tuple[Any, ...]]]:
    """The SELECT statements (with their parameters) the store sends while ``work`` runs."""
    database = store.database
    original = database.execute_sql
    seen: list[tuple[str, tuple[Any, ...]]] = []

    def recording(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append((sql, tuple(params or ())))
        return original(sql, params, *args, **kwargs)

    database.execute_sql = recording
    try:
        work()
    finally:
        database.execute_sql = original
    return seen


def full_scans(repo: Repository, plugins: PluginManager) -> list[tuple[str, list[str]]]:
    """The queries of the CLI's and the Client's reads that scan or sort ``run`` or
    ``step_run`` whole, with their plans."""
    quiet = Reporter(io.StringIO())
    first = arithmetic.run(plugins=plugins, reporter=quiet, offset=1)
    arithmetic.run(plugins=plugins, reporter=quiet, offset=2)
    stack = load_stack(repo, plugins=plugins, environ={})
    client = Client(stack=stack, plugins=plugins)
    step = first.steps["total"]
    artifact = step.output

    def reads() -> None:
        client.runs(limit=50)
        client.runs(pipeline="arithmetic", limit=50)
        client.runs(status="completed", limit=50)
        client.runs(pipeline="arithmetic", status="failed", limit=50)
        client.pipelines()
        for reference in (first.name, first.id, "latest", "latest~1", first.id[:8]):
            client.run(reference)
        run = client.run(first.name)
        for one in run.steps.values():
            _ = (one.inputs, one.outputs)
        client.artifact(artifact.id)
        client.artifact(f"{first.name}/total/output")
        _ = client.artifact(artifact.id).producer
        stack.metadata_store.find_cached(step.record.cache_key)

    queries = recorded_queries(stack.metadata_store, reads)
    assert len(queries) > 10
    database = sqlite3.connect(stack.metadata_store.path)
    scans = []
    for sql, params in queries:
        plan = database.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
        details = [row[-1] for row in plan]
        if any(_FULL_SCAN.match(detail) for detail in details) or (
            "USE TEMP B-TREE FOR ORDER BY" in details and re.search(r'\bFROM "?run"?', sql)
        ):
            scans.append((sql, details))
    return scans


def test_the_reads_of_the_cli_and_the_client_use_indexes(
    repo: Repository, plugins: PluginManager
) -> None:
    assert full_scans(repo, plugins) == []


def test_without_the_run_indexes_the_check_finds_the_scans(
    repo: Repository, plugins: PluginManager
) -> None:
    """The check is not blind: the store of schema 8 sorted the whole run table."""
    from zenml_core.metadata_stores.schema import _V9_INDEXES

    store = load_stack(repo, plugins=plugins, environ={}).metadata_store
    store.list_runs()
    database = sqlite3.connect(store.path)
    for name in _V9_INDEXES:
        database.execute(f"DROP INDEX {name}")
    database.commit()
    scans = full_scans(repo, plugins)
    assert scans and all("ORDER BY" in sql for sql, _ in scans)
