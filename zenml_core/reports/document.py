"""Everything recorded about one run, as a plain JSON document that reports draw.

Artifact values are loaded for a preview only when their materializer is known to run no code
of the artifact's (``SAFE_TO_PREVIEW``: JSON, bytes, numpy, Parquet) and they are not too
large; any other artifact shows its type, size and content hash.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from zenml_core.steps.context import METRIC_SERIES

if TYPE_CHECKING:
    from zenml_core.client import Artifact, Client, PipelineRun, StepRun

PREVIEW_MAX_BYTES = 64 * 1024 * 1024  # larger artifacts are not loaded for a preview
LOG_CHARACTERS = 100_000  # of a step's log shown in a report


def _time(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.astimezone().isoformat(timespec="seconds")


def _duration_ms(start: datetime.datetime, end: datetime.datetime | None) -> float | None:
    return None if end is None else round((end - start).total_seconds() * 1000, 1)


def artifact_preview(artifact: Artifact) -> tuple[dict[str, Any] | None, str | None]:
    """A preview of the artifact's value, or None and why there is none."""
    from zenml_core.materializers.registry import load_materializer
    from zenml_core.previews import preview

    record = artifact.record
    try:
        materializer = load_materializer(record.materializer.partition("@")[0])
    except Exception as exc:
        return None, f"its materializer cannot be imported here ({type(exc).__name__})"
    if not materializer.SAFE_TO_PREVIEW:
        return None, f"no preview: {materializer.__name__} may run code when loading"
    if record.size > PREVIEW_MAX_BYTES:
        return None, f"no preview: larger than {PREVIEW_MAX_BYTES // (1024 * 1024)} MiB"
    try:
        return preview(artifact.load()), None
    except Exception as exc:  # gone, damaged, or a store not reachable from here
        return None, f"cannot be read: {type(exc).__name__}: {exc}"


class ArtifactDocuments:
    """Artifact documents by id: a step's input is usually another step's output."""

    def __init__(self) -> None:
        self._done: dict[int, dict[str, Any]] = {}

    def document(self, artifact: Artifact) -> dict[str, Any]:
        record = artifact.record
        if record.id not in self._done:
            shown, missing = artifact_preview(artifact)
            self._done[record.id] = {
                "id": record.id,
                "uri": record.uri,
                "type": record.type,
                "materializer": record.materializer,
                "size": record.size,
                "content_hash": record.content_hash,
                "metadata": record.metadata,
                "preview": shown,
                "no_preview": missing,
            }
        return self._done[record.id]


def _series(metadata: dict[str, Any]) -> dict[str, list[list[float]]]:
    """The metric series a step logged, keeping well-formed points only."""
    found = {}
    for name, points in (metadata.get(METRIC_SERIES) or {}).items():
        kept = [
            [float(point[0]), float(point[1])]
            for point in points if isinstance(point, list | tuple) and len(point) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
        ]  # fmt: skip
        if kept:
            found[str(name)] = kept
    return found


def _tail(text: str | None) -> str | None:
    """The end of a long log: a report shows the last LOG_CHARACTERS characters."""
    if text is None or len(text) <= LOG_CHARACTERS:
        return text
    return f"[{len(text) - LOG_CHARACTERS} earlier characters left out]\n" + text[-LOG_CHARACTERS:]


def step_document(
    step: StepRun, upstream: list[str], artifacts: ArtifactDocuments, run_names: dict[str, str]
) -> dict[str, Any]:
    from zenml_core.utils.tracebacks import user_traceback

    record = step.record
    metadata = step.metadata
    cached_from = None
    if record.cached_from is not None:
        source = step.client.step_run(record.cached_from).record.run_id
        if source not in run_names:
            run_names[source] = step.client.metadata.get_run(source).name
        cached_from = run_names[source]
    error = (record.error or "").strip()
    return {
        "name": record.name,
        "status": record.status,
        "started": _time(record.started_at),
        "duration_ms": _duration_ms(record.started_at, record.ended_at),
        "upstream": upstream,
        "reason": record.reason or (record.error if record.status == "skipped" else None),
        "cached_from_run": cached_from,
        "parameters": record.parameters,
        "inputs": {name: artifacts.document(a) for name, a in step.inputs.items()},
        "outputs": {name: artifacts.document(a) for name, a in step.outputs.items()},
        "metadata": {k: v for k, v in metadata.items() if k != METRIC_SERIES},
        "series": _series(metadata),
        "error": error.splitlines()[-1] if error and record.status == "failed" else None,
        "traceback": user_traceback(error) or None if record.status == "failed" else None,
        "attempts": record.attempts,
        "logs": _tail(step.logs),
    }


def pending_step(name: str, upstream: list[str]) -> dict[str, Any]:
    """A step of the spec with no step run yet (the run is still going, or stopped first)."""
    return {"name": name, "status": "pending", "upstream": upstream, "parameters": {},
            "inputs": {}, "outputs": {}, "metadata": {}, "series": {}}  # fmt: skip


def run_document(
    client: Client, run: PipelineRun, *, baseline: PipelineRun | None = None
) -> dict[str, Any]:
    """What a report of ``run`` shows (and its diff against ``baseline``)."""
    record = run.record
    steps = run.steps
    upstream = run.upstream(steps)
    artifacts = ArtifactDocuments()
    run_names = {record.id: record.name}
    orphaned = client.metadata.orphans().get(record.id) if record.status == "running" else None
    return {
        "run": {
            "name": record.name,
            "id": record.id,
            "pipeline": record.pipeline,
            "status": record.status,
            "looks_orphaned": orphaned,  # a read-only look does not fail the run, it says so
            "started": _time(record.started_at),
            "ended": _time(record.ended_at),
            "duration_ms": _duration_ms(record.started_at, record.ended_at),
            "git_commit": record.git_commit,
            "git_dirty": record.git_dirty,
            "stack": record.stack_name,
            "parameters": record.parameters,
            "error": record.error,
        },
        "steps": [
            step_document(step, upstream.get(name, []), artifacts, run_names)
            for name, step in steps.items()
        ]
        + [pending_step(name, before) for name, before in upstream.items() if name not in steps],
        "diff": None if baseline is None else client.diff(baseline, run).to_dict(),
    }
