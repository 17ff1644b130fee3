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

from attrs import define, evolve, field

from zenml_core.artifact_stores.base import BaseArtifactStore
from zenml_core.errors import RebuildError, ZenMLError
from zenml_core.execution.context import RunStatus
from zenml_core.manifests import RunManifest, StepManifest, read
from zenml_core.metadata_stores.base import BaseMetadataStore


@define
class RebuildReport:
    runs: int = 0
    step_runs: int = 0
    artifacts: int = 0
    problems: list[str] = field(factory=list)


ORPHANED = "orphaned: the run never closed; rebuilt from the manifests of its steps"


def _run_manifests(store: BaseArtifactStore[Any], problems: list[str]) -> list[RunManifest]:
    """One manifest per run, its run manifest or, failing that, made of its step manifests.

    A run that never closed has the manifest written when it opened (spec, stack, git state,
    no steps): its steps come from their own manifests and it ends ``failed``. A manifest
    that cannot be read is skipped with a problem naming it; the rest is rebuilt.
    """
    runs: dict[str, RunManifest] = {}
    orphan_steps: dict[str, list[StepManifest]] = {}
    for folder in store.manifest_folders():
        try:
            manifest = read(store, folder)
        except ZenMLError as exc:
            problems.append(f"{exc}; skipped")
            continue
        if isinstance(manifest, RunManifest):
            runs[manifest.run_id] = manifest
        else:
            orphan_steps.setdefault(manifest.run_id or "", []).append(manifest)
    for run_id, run in runs.items():
        if run.status == RunStatus.RUNNING:  # opened, never closed
            steps = orphan_steps.get(run_id, [])
            ends = [step.ended_at for step in steps if step.ended_at]
            runs[run_id] = evolve(
                run,
                status=RunStatus.FAILED,
                error=ORPHANED,
                ended_at=max(ends, default=run.started_at),
                steps=steps,
            )
    for run_id, steps in orphan_steps.items():
        if run_id in runs:
            continue
        first = min(steps, key=lambda step: step.started_at or "")
        runs[run_id] = RunManifest(
            run_id=run_id,
            name=first.run_name or f"{first.pipeline}-{run_id[:6]}",
            pipeline=first.pipeline or "unknown",
            status=RunStatus.FAILED,
            error=ORPHANED,
            started_at=first.started_at or "",
            ended_at=max(step.ended_at or "" for step in steps),
            steps=steps,
        )
    return sorted(runs.values(), key=lambda run: run.started_at)


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
    steps: Iterable[StepManifest], accept: Callable[[str], bool], problems: list[str]
) -> list[StepManifest]:
    """``steps`` without the outputs whose materializer ``accept`` refuses."""
    kept = []
    for step in steps:
        outputs = {}
        for name, artifact in step.outputs.items():
            if accept(artifact.materializer):
                outputs[name] = artifact
                continue
            problems.append(
                f"run {step.run_name or step.run_id}, step {step.step}: "
                f"output {name!r} names materializer {artifact.materializer!r}, "
                "which no installed plugin registers and which is not part of this "
                "project; left out (install the plugin that provides it, then rebuild)"
            )
        kept.append(evolve(step, outputs=outputs))
    return kept


def rebuild(
    artifact_store: BaseArtifactStore[Any],
    metadata_store: BaseMetadataStore[Any],
    *,
    accept_materializer: Callable[[str], bool],
) -> RebuildReport:
    """Fill the empty ``metadata_store`` from ``artifact_store``'s manifests.

    Outputs whose materializer ``accept_materializer`` refuses are left out (see
    :func:`trusted_materializers`)."""
    existing = metadata_store.list_runs(limit=1)
    if existing:
        raise RebuildError(
            f"metadata store {metadata_store.name!r} already holds runs; rebuild into an empty "
            "one (register a new metadata store and pass --into NAME)"
        )
    report = RebuildReport()
    step_ids: dict[int, int] = {}
    artifact_ids: dict[str, int] = {}
    for run in _run_manifests(artifact_store, report.problems):
        steps = [step if step.run_name else evolve(step, run_name=run.name) for step in run.steps]
        run = evolve(run, steps=drop_untrusted_outputs(steps, accept_materializer, report.problems))
        try:
            counts = metadata_store.restore_run(run, step_ids, artifact_ids, report.problems)
        except NotImplementedError:
            raise RebuildError(
                f"metadata store {metadata_store.name!r} cannot be rebuilt into (its flavor "
                "does not implement restore_run)"
            ) from None
        report.runs += 1
        report.step_runs += counts[0]
        report.artifacts += counts[1]
    return report
