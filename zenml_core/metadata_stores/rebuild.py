"""Rebuilding a metadata store from the manifests in an artifact store.

Each run folder holds a run manifest (the run and every step run, cached and skipped ones
too) written when the run ended; each executed step's folder holds a step manifest written
as the step finished. A run whose process died has only step manifests: it comes back as
``failed`` (orphaned) with the steps that finished. Ids are new; everything else (names,
times, statuses, cache keys, parameters, artifacts, which step run produced and which read
each artifact) is as it was.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from attrs import define, field

from zenml_core.artifact_stores.base import BaseArtifactStore
from zenml_core.errors import RebuildError
from zenml_core.metadata_stores.records import RunStatus
from zenml_core.metadata_stores.sql import SQLMetadataStore


@define
class RebuildReport:
    runs: int = 0
    step_runs: int = 0
    artifacts: int = 0
    problems: list[str] = field(factory=list)


ORPHANED = "orphaned: the run never closed; rebuilt from the manifests of its steps"


def _run_documents(store: BaseArtifactStore[Any], problems: list[str]) -> list[dict[str, Any]]:
    """One document per run, from its run manifest or, failing that, its step manifests.

    A run that never closed has the manifest written when it opened (spec, stack, git state,
    no steps): its steps come from their own manifests and it ends ``failed``. A manifest
    that cannot be read is skipped with a problem naming it; the rest is rebuilt.
    """
    runs: dict[str, dict[str, Any]] = {}
    orphan_steps: dict[str, list[dict[str, Any]]] = {}
    for folder in store.manifest_folders():
        try:
            document = store.read_manifest(folder)
            run_id = document["run_id"]
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            problems.append(f"the manifest in {folder} is damaged ({exc}); skipped")
            continue
        if "steps" in document:
            runs[run_id] = document
        else:
            orphan_steps.setdefault(run_id, []).append(document)
    for run_id, document in runs.items():
        if document.get("status") == RunStatus.RUNNING:  # opened, never closed
            steps = orphan_steps.get(run_id, [])
            ends = [step["ended_at"] for step in steps if step.get("ended_at")]
            document.update(
                status=RunStatus.FAILED,
                error=ORPHANED,
                ended_at=max(ends, default=document["started_at"]),
                steps=steps,
            )
    for run_id, steps in orphan_steps.items():
        if run_id in runs:
            continue
        first = min(steps, key=lambda step: step["started_at"])
        runs[run_id] = {
            "run_id": run_id,
            "name": first.get("run_name") or f"{first['pipeline']}-{run_id[:6]}",
            "pipeline": first["pipeline"],
            "status": RunStatus.FAILED,
            "error": ORPHANED,
            "started_at": first["started_at"],
            "ended_at": max(step["ended_at"] for step in steps),
            "git_commit": None,
            "git_dirty": None,
            "stack_name": "unknown",
            "stack": {},
            "host": "unknown",
            "pid": 0,
            "parameters": {},
            "spec": {},
            "resumed_from": None,
            "steps": steps,
        }
    return sorted(runs.values(), key=lambda run: run["started_at"])


def trusted_materializers(
    registered: Iterable[str], project_root: Path | None
) -> Callable[[str], bool]:
    """Which materializer a manifest may name: one a plugin registered, or a class of the
    user's own project (a module file under ``project_root``). Nothing is imported to decide:
    a manifest must never make zenml import an arbitrary path."""
    known = set(registered)

    def accept(materializer: str) -> bool:
        path = materializer.partition("@")[0]
        if path in known:
            return True
        module = path.partition(":")[0]
        if project_root is None or not module or module.startswith("."):
            return False
        parts = module.split(".")
        if not all(part.isidentifier() for part in parts):
            return False
        base = project_root.joinpath(*parts)
        return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()

    return accept


def drop_untrusted_outputs(
    documents: Iterable[dict[str, Any]], accept: Callable[[str], bool], problems: list[str]
) -> None:
    """Remove from step documents every output whose materializer ``accept`` refuses."""
    for step in documents:
        outputs = step.get("outputs", {})
        for name, artifact in list(outputs.items()):
            if not accept(artifact.get("materializer", "")):
                problems.append(
                    f"run {step.get('run_name') or step.get('run_id')}, step {step['step']}: "
                    f"output {name!r} names materializer {artifact.get('materializer')!r}, "
                    "which no installed plugin registers and which is not part of this "
                    "project; left out (install the plugin that provides it, then rebuild)"
                )
                del outputs[name]


def rebuild(
    artifact_store: BaseArtifactStore[Any],
    metadata_store: Any,
    *,
    accept_materializer: Callable[[str], bool],
) -> RebuildReport:
    """Fill the empty ``metadata_store`` from ``artifact_store``'s manifests.

    Outputs whose materializer ``accept_materializer`` refuses are left out (see
    :func:`trusted_materializers`)."""
    if not isinstance(metadata_store, SQLMetadataStore):
        raise RebuildError(f"metadata store {metadata_store.name!r} cannot be rebuilt into")
    existing = metadata_store.list_runs(limit=1)
    if existing:
        raise RebuildError(
            f"metadata store {metadata_store.name!r} already holds runs; rebuild into an empty "
            "one (register a new metadata store and pass --into NAME)"
        )
    report = RebuildReport()
    step_ids: dict[int, int] = {}
    artifact_ids: dict[str, int] = {}
    for document in _run_documents(artifact_store, report.problems):
        for step in document["steps"]:
            step.setdefault("run_name", document["name"])
        drop_untrusted_outputs(document["steps"], accept_materializer, report.problems)
        counts = metadata_store.restore_run(document, step_ids, artifact_ids, report.problems)
        report.runs += 1
        report.step_runs += counts[0]
        report.artifacts += counts[1]
    return report
