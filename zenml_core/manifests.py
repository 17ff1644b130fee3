"""Manifests: the JSON files beside a run's artifacts from which its record can be rebuilt.

A step manifest (``<pipeline>/<run>/<step>/manifest.json``) is written when a step ends, by
the process that ran it; a run manifest (``<pipeline>/<run>/manifest.json``) when the run
opens (no steps yet) and again when it closes (every step run, cached and skipped ones too).
Together they let ``zenml metadata rebuild`` restore the metadata store from the artifact
store alone, and let steps that cannot reach the metadata store (a cluster and a local SQLite
file) report through the artifact store instead. This module is the one place their format
is written and read.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
from attrs import field, frozen

from zenml_core.errors import ArtifactStoreError, ManifestError, ZenMLError

if TYPE_CHECKING:
    from zenml_core.artifact_stores.base import BaseArtifactStore
    from zenml_core.execution.context import RunContext, StepOutcome
    from zenml_core.metadata_stores.records import ArtifactRecord, RunRecord
    from zenml_core.pipelines.spec import PipelineSpec

T = TypeVar("T")


@frozen
class ArtifactEntry:
    """An artifact as manifests record it: enough to restore its metadata row."""

    uri: str
    type: str
    materializer: str
    size: int
    content_hash: str
    producer_step_run: int | None
    output_name: str
    id: int | None = None
    metadata: dict[str, Any] = field(factory=dict)  # what the step logged for this output

    @classmethod
    def of(cls, artifact: ArtifactRecord) -> ArtifactEntry:
        return cls(
            id=artifact.id,
            uri=artifact.uri,
            type=artifact.type,
            materializer=artifact.materializer,
            size=artifact.size,
            content_hash=artifact.content_hash,
            producer_step_run=artifact.producer_id,
            output_name=artifact.output_name,
            metadata=dict(artifact.metadata),
        )


@frozen(kw_only=True)
class StepManifest:
    """One step run. Inside a run manifest ``pipeline``/``run_id``/``run_name`` are left out
    (the run carries them)."""

    step: str
    status: str
    step_run_id: int | None = None
    started_at: str | None = None
    ended_at: str | None = None
    cache_key: str | None = None
    cache_parts: dict[str, Any] | None = None
    reason: str | None = None
    cached_from_step_run: int | None = None
    parameters: dict[str, Any] = field(factory=dict)
    error: str | None = None
    inputs: dict[str, ArtifactEntry] = field(factory=dict)
    outputs: dict[str, ArtifactEntry] = field(factory=dict)
    metadata: dict[str, Any] = field(factory=dict)
    pipeline: str | None = None
    run_id: str | None = None
    run_name: str | None = None

    @classmethod
    def of(cls, outcome: StepOutcome, **run: str) -> StepManifest:
        """The manifest of a step that ended as ``outcome`` (``run``: pipeline, run_id,
        run_name, for a manifest of its own)."""
        ended_at = outcome.started_at + datetime.timedelta(milliseconds=outcome.duration_ms)
        return cls(
            step=outcome.step,
            status=outcome.status,
            step_run_id=outcome.step_run_id,
            started_at=outcome.started_at.isoformat(),
            ended_at=ended_at.isoformat(),
            cache_key=outcome.cache_key,
            cache_parts=outcome.cache_parts,
            reason=outcome.reason,
            cached_from_step_run=outcome.cached_from,
            parameters=outcome.parameters,
            error=outcome.error_detail or outcome.error,
            inputs={name: ArtifactEntry.of(a) for name, a in outcome.inputs.items()},
            outputs={name: ArtifactEntry.of(a) for name, a in outcome.outputs.items()},
            metadata=outcome.metadata,
            **run,
        )


@frozen(kw_only=True)
class RunManifest:
    """A run and, once it closed, all its step runs."""

    run_id: str
    name: str
    pipeline: str
    status: str
    started_at: str
    ended_at: str | None = None
    error: str | None = None
    git_commit: str | None = None
    git_dirty: bool | None = None
    stack_name: str = "unknown"
    stack: dict[str, Any] = field(factory=dict)
    host: str = "unknown"
    pid: int = 0
    resumed_from: str | None = None
    orchestrator_run_id: str | None = None
    parameters: dict[str, Any] = field(factory=dict)
    spec: dict[str, Any] = field(factory=dict)
    steps: list[StepManifest] = field(factory=list)

    @classmethod
    def of(cls, record: RunRecord, spec: PipelineSpec, outcomes: list[StepOutcome]) -> RunManifest:
        return cls(
            run_id=record.id,
            name=record.name,
            pipeline=spec.name,
            status=record.status,
            error=record.error,
            started_at=record.started_at.isoformat(),
            ended_at=record.ended_at.isoformat() if record.ended_at else None,
            git_commit=record.git_commit,
            git_dirty=record.git_dirty,
            stack_name=record.stack_name,
            stack=record.stack,
            host=record.host,
            pid=record.pid,
            resumed_from=record.resumed_from,
            orchestrator_run_id=record.orchestrator_run_id,
            parameters=spec.parameters,
            spec=spec.to_dict(),
            steps=[StepManifest.of(outcome) for outcome in outcomes],
        )


def _step_document(step: StepManifest, *, in_run: bool) -> dict[str, Any]:
    document = attrs.asdict(step, recurse=False)
    document["inputs"] = {name: attrs.asdict(a) for name, a in step.inputs.items()}
    document["outputs"] = {name: attrs.asdict(a) for name, a in step.outputs.items()}
    if in_run:  # the run carries them
        for key in ("pipeline", "run_id", "run_name"):
            if document[key] is None:
                del document[key]
    return document


def to_document(manifest: StepManifest | RunManifest) -> dict[str, Any]:
    """The JSON document of a manifest. Built field by field rather than through the
    converter: the spec, stack and parameters are plain data already, and walking them costs
    every run of a long pipeline (the converter reads manifests back, see from_document)."""
    if isinstance(manifest, StepManifest):
        return _step_document(manifest, in_run=False)
    document = attrs.asdict(manifest, recurse=False)
    document["steps"] = [_step_document(step, in_run=True) for step in manifest.steps]
    return document


def _known_keys(data: Any, cls: type) -> Any:
    """``data`` without keys ``cls`` does not know: a newer zenml may add fields."""
    if not isinstance(data, dict):
        return data
    fields = attrs.fields_dict(cls)
    return {key: value for key, value in data.items() if key in fields}


def from_document(document: Any, *, source: str) -> StepManifest | RunManifest:
    """A manifest read back; a malformed one raises ZenMLError naming ``source``."""
    from zenml_core.config.converter import structure

    if not isinstance(document, dict) or not isinstance(document.get("run_id"), str):
        raise ManifestError(f"{source}: not a manifest (no run id)")
    if "steps" not in document:
        return structure(_known_keys(document, StepManifest), StepManifest, source=source)
    run = _known_keys(document, RunManifest)
    if isinstance(run.get("steps"), list):
        run["steps"] = [_known_keys(step, StepManifest) for step in run["steps"]]
    return structure(run, RunManifest, source=source)


def write(store: BaseArtifactStore[Any], uri: str, manifest: StepManifest | RunManifest) -> None:
    store.write_manifest(uri, to_document(manifest))


def write_step_manifest(context: RunContext, outcome: StepOutcome, *, strict: bool = False) -> None:
    """Beside the step's outputs, enough to rebuild its record from the store alone.

    The record is already complete: a store that refuses the manifest costs the rebuild
    basis, with a warning, not the step (``strict``: for steps whose only record it is)."""
    store = context.stack.artifact_store
    manifest = StepManifest.of(
        outcome, pipeline=context.spec.name, run_id=context.run_id, run_name=context.run_name
    )
    try:
        write(store, store.uri(context.spec.name, context.run_id, outcome.step), manifest)
    except OSError as exc:
        if strict:
            raise
        context.reporter.step(outcome.step, f"warning: its manifest could not be written ({exc})")


def write_run_manifest(
    store: BaseArtifactStore[Any],
    spec: PipelineSpec,
    record: RunRecord,
    outcomes: list[StepOutcome],
) -> None:
    """The run manifest. Written when the run opens (status ``running``, no steps: a run
    killed later still comes back from a rebuild with its spec, stack and git state) and
    again when it closes. A failure only warns: it must never hide how the run ended."""
    try:
        write(store, store.uri(spec.name, record.id), RunManifest.of(record, spec, outcomes))
    except (OSError, ZenMLError) as exc:
        import warnings

        warnings.warn(
            f"the run manifest of {record.name} could not be written ({exc}); "
            "`zenml metadata rebuild` will not restore this run",
            RuntimeWarning,
            stacklevel=2,
        )


def read(store: BaseArtifactStore[Any], uri: str) -> StepManifest | RunManifest:
    """The manifest in folder ``uri``; ArtifactStoreError if there is none, ZenMLError if it
    is damaged."""
    try:
        document = store.read_manifest(uri)
    except ArtifactStoreError:
        raise
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestError(f"the manifest in {uri} is damaged ({exc})") from exc
    return from_document(document, source=f"the manifest in {uri}")


def step_manifests(
    store: BaseArtifactStore[Any], pipeline: str, run_id: str, steps: list[str]
) -> list[StepManifest]:
    """The step manifests written so far for ``steps`` of the run (damaged ones left out)."""
    found = []
    for step in steps:
        try:
            manifest = read(store, store.uri(pipeline, run_id, step))
        except ZenMLError:
            continue
        if isinstance(manifest, StepManifest):
            found.append(manifest)
    return found


def run_step_manifests(
    store: BaseArtifactStore[Any],
    spec: PipelineSpec,
    run_id: str,
    steps: list[str],
    skip: set[str] | frozenset[str] = frozenset(),
) -> list[StepManifest]:
    """The step manifests written so far for ``steps`` of the run and for the items of the
    mapped ones among them (``step.map``), leaving out the steps in ``skip``."""
    from zenml_core.pipelines.spec import item_names

    found = step_manifests(store, spec.name, run_id, [s for s in steps if s not in skip])
    items = [
        item
        for manifest in found
        for item in item_names(spec, manifest.step, manifest.outputs)
        if item not in skip
    ]
    return found + step_manifests(store, spec.name, run_id, items) if items else found
