"""Rebuilding the metadata store from the artifact store's manifests gives the same record."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import sample_steps
from conftest import Cli
from sample_steps import arithmetic, half_broken

from zenml_core.errors import PipelineRunFailedError, RebuildError
from zenml_core.metadata_stores.base import BaseMetadataStore
from zenml_core.metadata_stores.rebuild import rebuild, trusted_materializers
from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack


def snapshot(store: BaseMetadataStore[Any]) -> dict[str, Any]:
    """Everything recorded, keyed by names instead of database ids."""
    runs = {run.id: run for run in store.list_runs()}
    steps = {step.id: step for run_id in runs for step in store.list_step_runs(run_id)}

    def where(step_id: int | None) -> tuple[str, str] | None:
        if step_id is None:
            return None
        step = steps[step_id]
        return runs[step.run_id].name, step.name

    def artifact(record: Any) -> tuple[Any, ...]:
        return (
            record.uri,
            record.type,
            record.materializer,
            record.size,
            record.content_hash,
            where(record.producer_id),
            record.output_name,
        )

    return {
        "pipelines": sorted((p.name, p.runs) for p in store.list_pipelines()),
        "runs": sorted(
            (
                r.name,
                r.pipeline,
                r.status,
                r.error,
                json.dumps(r.parameters),
                r.git_commit,
                r.stack_name,
                r.host,
                r.pid,
                r.resumed_from,
                r.started_at.isoformat(timespec="milliseconds"),
            )
            for r in runs.values()
        ),
        "steps": sorted(
            (
                runs[s.run_id].name,
                s.name,
                s.status,
                s.cache_key,
                json.dumps(s.parameters),
                where(s.cached_from),
                (s.error or "").strip().splitlines()[-1:] == []
                or (s.error or "").strip().splitlines()[-1],
            )
            for s in steps.values()
        ),
        "outputs": sorted(
            (where(s.id), name, artifact(a))
            for s in steps.values()
            for name, a in store.step_run_outputs(s.id).items()
        ),
        "inputs": sorted(
            (where(s.id), name, artifact(a))
            for s in steps.values()
            for name, a in store.step_run_inputs(s.id).items()
        ),
    }


def fresh_store(tmp_path: Path) -> SQLiteMetadataStore:
    return SQLiteMetadataStore(
        name="rebuilt", config=SQLiteMetadataStoreConfig(path="rebuilt.db"), root=tmp_path
    )


def test_rebuild_reproduces_runs_steps_artifacts_and_lineage(
    repo: Repository, plugins: PluginManager, tmp_path: Path
) -> None:
    quiet = Reporter(io.StringIO())
    arithmetic.run(plugins=plugins, reporter=quiet, offset=1)
    arithmetic.run(plugins=plugins, reporter=quiet, offset=1)  # fully cached
    arithmetic.run(plugins=plugins, reporter=quiet, offset=2)  # partly cached
    with pytest.raises(PipelineRunFailedError):
        half_broken.run(plugins=plugins, reporter=quiet)  # failed and skipped steps
    stack = load_stack(repo, plugins=plugins, environ={})
    original = snapshot(stack.metadata_store)

    target = fresh_store(tmp_path)
    accept = trusted_materializers([m.materializer for m in plugins.registry.materializers], None)
    report = rebuild(stack.artifact_store, target, accept_materializer=accept)
    assert (report.runs, report.problems) == (4, [])
    rebuilt = snapshot(target)
    for part in original:
        missing = sorted(set(map(repr, original[part])) - set(map(repr, rebuilt[part])))
        extra = sorted(set(map(repr, rebuilt[part])) - set(map(repr, original[part])))
        assert (missing, extra) == ([], []), part
    assert rebuilt == original
    assert sample_steps  # the pipelines above come from it

    with pytest.raises(RebuildError, match="already holds runs; rebuild into an empty one"):
        rebuild(stack.artifact_store, target, accept_materializer=accept)


def test_the_cli_rebuilds_into_a_registered_store(
    cli: Cli, repo: Repository, plugins: PluginManager
) -> None:
    arithmetic.run(plugins=plugins, reporter=Reporter(io.StringIO()))
    cli("metadata-store", "register", "spare", "--flavor", "sqlite", "--path=.zen/spare.db")
    result = cli("metadata", "rebuild", "--into", "spare")
    assert result.stdout.startswith(
        "Rebuilt 1 runs, 5 step runs and 6 artifacts into metadata store 'spare'"
    )
    refused = cli("metadata", "rebuild", expect=1)  # the active store is not empty
    assert "already holds runs" in refused.stderr
