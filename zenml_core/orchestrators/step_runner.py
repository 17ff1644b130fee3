"""The one code path that executes a step, wherever it runs.

Every orchestrator calls :func:`run_step`, in-process or through ``python -m
zenml_core.entrypoint`` in a container. For one step it computes the cache key, reuses cached
outputs when they still exist, or loads the inputs, runs the user's code, writes each output
atomically through its materializer, records everything in the metadata store, and writes a
manifest beside the outputs from which the metadata store could be rebuilt.
"""

from __future__ import annotations

import datetime
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

from zenml_core.artifacts import load_artifact, unusable_reason
from zenml_core.caching import cache_key, code_parts, key_parts, warn_unhashed
from zenml_core.errors import StepExecutionError
from zenml_core.materializers.registry import (
    MaterializerRegistry,
    load_materializer,
    save_value,
    type_path,
)
from zenml_core.metadata_stores.records import ArtifactRecord, NewArtifact, StepStatus
from zenml_core.pipelines.spec import PipelineSpec, StepSpec
from zenml_core.steps.base import BaseStep
from zenml_core.steps.context import StepContext, running
from zenml_core.steps.signature import SINGLE_OUTPUT, runtime_class
from zenml_core.utils.source import load_source

if TYPE_CHECKING:
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack


@frozen
class RunContext:
    """Everything the step runner needs for one run, shared by its steps."""

    spec: PipelineSpec
    run_id: str
    run_name: str
    stack: Stack
    plugins: PluginManager
    materializers: MaterializerRegistry
    reporter: Reporter
    # Outputs of steps this process has finished, so downstream steps skip a query.
    known_outputs: dict[str, dict[str, ArtifactRecord]] = field(factory=dict)
    # Resuming: step name -> the earlier step run whose outputs this run reuses.
    reuse: dict[str, int] = field(factory=dict)

    def outputs_of(self, step_name: str) -> dict[str, ArtifactRecord]:
        known = self.known_outputs.get(step_name)
        if known is None:
            known = self.stack.metadata_store.step_outputs(self.run_id, step_name)
        return known


@frozen
class StepOutcome:
    """How one step ended."""

    step: str
    status: str  # completed | cached | failed | skipped
    step_run_id: int | None
    duration_ms: float
    started_at: datetime.datetime = field(
        factory=lambda: datetime.datetime.now(datetime.timezone.utc)
    )
    error: str | None = None
    error_detail: str | None = None  # the traceback, for the record
    cached_from: int | None = None
    cache_key: str | None = None
    cache_parts: dict[str, Any] | None = None  # what the key is made of (caching.key_parts)
    reason: str | None = None  # why the step ran instead of being reused
    parameters: dict[str, Any] = field(factory=dict)
    inputs: dict[str, ArtifactRecord] = field(factory=dict)
    outputs: dict[str, ArtifactRecord] = field(factory=dict)
    metadata: dict[str, Any] = field(factory=dict)


def framework_major() -> str:
    from zenml_core import __version__

    return __version__.split(".")[0]


def instantiate(step_spec: StepSpec) -> BaseStep:
    """The step object named by the spec's source (class steps are instantiated)."""
    loaded = load_source(step_spec.source)
    if isinstance(loaded, type):
        step = loaded(step_spec.config or None, name=step_spec.name)
    else:
        step = loaded
    if not isinstance(step, BaseStep):
        raise StepExecutionError(f"{step_spec.source} is not a step")
    return step


def _materializer_identity(path: str | None) -> str:
    return "auto" if path is None else load_materializer(path).identity()


def _split_outputs(step: BaseStep, step_spec: StepSpec, value: Any) -> dict[str, Any]:
    # The declared order, not the spec's: specs travel as JSON with sorted keys.
    names = list(step.signature.output_types)
    if not names:
        return {}
    if step.signature.output_tuple is None:
        return {SINGLE_OUTPUT: value}
    if not isinstance(value, tuple) or len(value) != len(names):
        raise StepExecutionError(
            f"the step must return {step.signature.output_tuple.__name__} "
            f"({', '.join(names)}), got {type(value).__name__}"
        )
    return dict(zip(names, value, strict=True))


def _check_type(step_spec: StepSpec, name: str, annotation: Any, value: Any) -> None:
    expected = runtime_class(annotation)
    if expected is None or isinstance(value, expected):
        return
    if expected is float and isinstance(value, int) and not isinstance(value, bool):
        return
    raise StepExecutionError(
        f"output {name!r} is declared {expected.__qualname__} but the step returned "
        f"{type(value).__qualname__}"
    )


def _write_outputs(
    context: RunContext, step_spec: StepSpec, values: dict[str, Any]
) -> list[NewArtifact]:
    """Write every output of the step through its materializer; committed together."""
    store = context.stack.artifact_store
    chosen: dict[str, str] = {}

    def saver(name: str, value: Any) -> Callable[[Path], None]:
        declared = step_spec.outputs[name].materializer

        def save(folder: Path) -> None:
            chosen[name] = save_value(context.materializers, value, folder, declared)

        return save

    step_uri = store.uri(context.spec.name, context.run_id, step_spec.name)
    saves = {name: saver(name, value) for name, value in values.items()}
    stored = store.write_outputs(step_uri, saves)
    return [
        NewArtifact(
            output_name=name,
            uri=stored[name].uri,
            type=type_path(type(value)),
            materializer=load_materializer(chosen[name]).identity(),
            size=stored[name].size,
            content_hash=stored[name].content_hash,
        )
        for name, value in values.items()
    ]


def step_cache_parts(
    step: BaseStep, step_spec: StepSpec, inputs: dict[str, ArtifactRecord]
) -> dict[str, Any]:
    """What the cache key of ``step`` with these inputs is made of (see
    :mod:`zenml_core.caching`); values it leaves out are named in a warning."""
    code = code_parts(step.code_object)
    warn_unhashed(step_spec.name, code.unhashed)
    return key_parts(
        code=code,
        parameters={"inputs": step_spec.parameters, "object": step_spec.config},
        inputs={name: f"{a.content_hash}|{a.materializer}" for name, a in inputs.items()},
        materializers={
            name: _materializer_identity(output.materializer)
            for name, output in step_spec.outputs.items()
        },
        framework_major=framework_major(),
    )


def step_cache_key(step: BaseStep, step_spec: StepSpec, inputs: dict[str, ArtifactRecord]) -> str:
    """The cache key of ``step`` with these inputs."""
    return cache_key(step_cache_parts(step, step_spec, inputs))


def describe_artifact(artifact: ArtifactRecord) -> dict[str, Any]:
    """An artifact as manifests record it (enough to rebuild its metadata row)."""
    return {
        "id": artifact.id,
        "uri": artifact.uri,
        "type": artifact.type,
        "materializer": artifact.materializer,
        "size": artifact.size,
        "content_hash": artifact.content_hash,
        "producer_step_run": artifact.producer_id,
        "output_name": artifact.output_name,
    }


def describe_outcome(outcome: StepOutcome) -> dict[str, Any]:
    """A step run as manifests record it."""
    ended_at = outcome.started_at + datetime.timedelta(milliseconds=outcome.duration_ms)
    return {
        "step": outcome.step,
        "status": outcome.status,
        "step_run_id": outcome.step_run_id,
        "started_at": outcome.started_at.isoformat(),
        "ended_at": ended_at.isoformat(),
        "cache_key": outcome.cache_key,
        "cache_parts": outcome.cache_parts,
        "reason": outcome.reason,
        "cached_from_step_run": outcome.cached_from,
        "parameters": outcome.parameters,
        "error": outcome.error_detail or outcome.error,
        "inputs": {name: describe_artifact(a) for name, a in outcome.inputs.items()},
        "outputs": {name: describe_artifact(a) for name, a in outcome.outputs.items()},
        "metadata": outcome.metadata,
    }


def _write_step_manifest(context: RunContext, step_name: str, outcome: StepOutcome) -> None:
    """Beside the outputs, enough to rebuild this step run's record from the store alone.

    The record is already complete: a store that refuses the manifest costs the rebuild
    basis, with a warning, not the step."""
    store = context.stack.artifact_store
    document = {
        "pipeline": context.spec.name,
        "run_id": context.run_id,
        "run_name": context.run_name,
        **describe_outcome(outcome),
    }
    try:
        store.write_manifest(store.uri(context.spec.name, context.run_id, step_name), document)
    except OSError as exc:
        context.reporter.step(step_name, f"warning: its manifest could not be written ({exc})")


def run_step(context: RunContext, step_name: str, *, on_backend: bool = False) -> StepOutcome:
    """Execute (or reuse) one step of ``context.spec`` in run ``context.run_id``.

    A step that asks for the training backend (``TrainerStep``s, or
    ``settings={"training_backend": True}``) is handed to the stack's training backend, if
    it has one, unless it comes from the cache; the backend's job then runs it with
    ``on_backend`` set.
    """
    backend = context.stack.training_backend
    wants_backend = context.spec.step(step_name).settings.training_backend
    if backend is not None and wants_backend and not on_backend:
        settled = try_cached(context, step_name)
        if settled is not None:
            return settled
        context.reporter.step(step_name, f"handed to training backend {backend.name!r}")
        return backend.run_step(context, step_name)
    outcome = _run_step(context, step_name, execute=True)
    assert outcome is not None  # always set when executing
    return outcome


def compute_only(context: RunContext, step_name: str) -> None:
    """Call the step's code on its recorded inputs, storing and recording nothing.

    For the extra replicas of a distributed training job: they compute along with the chief
    replica (e.g. TensorFlow's multi-worker strategies need every worker in the step), while
    only the chief runs :func:`run_step` and records the outputs.
    """
    step_spec = context.spec.step(step_name)
    step = instantiate(step_spec)
    types = step.signature.input_types
    arguments = dict(step_spec.parameters)
    for input_name, wire in step_spec.inputs.items():
        artifact = context.outputs_of(wire.step)[wire.output]
        arguments[input_name] = load_artifact(
            context.stack.artifact_store, artifact, types[input_name]
        )
    with running(StepContext(step_name, context.run_id, context.run_name)):
        step.call(**arguments)


def try_cached(context: RunContext, step_name: str) -> StepOutcome | None:
    """Reuse the step from the cache if possible; None (and nothing recorded) if it must run.

    Orchestrators that run steps elsewhere call this first, so a cached step starts no
    container or job.
    """
    return _run_step(context, step_name, execute=False)


def _upstream_completed(context: RunContext, step_name: str) -> bool:
    records = context.stack.metadata_store.list_step_runs(context.run_id)
    return any(
        r.name == step_name and r.status in (StepStatus.COMPLETED, StepStatus.CACHED)
        for r in records
    )


def _run_step(context: RunContext, step_name: str, *, execute: bool) -> StepOutcome | None:
    started = time.perf_counter()
    started_at = datetime.datetime.now(datetime.timezone.utc)
    spec, stack, hook = context.spec, context.stack, context.plugins.hook
    step_spec = spec.step(step_name)
    metadata = stack.metadata_store
    common = {"pipeline_name": spec.name, "run_id": context.run_id, "stack": stack}
    step_run_id = None
    key = None
    parts: dict[str, Any] | None = None
    reason: str | None = None
    inputs: dict[str, ArtifactRecord] = {}

    def outcome(status: str, **fields: Any) -> StepOutcome:
        return StepOutcome(
            step=step_name,
            status=status,
            step_run_id=step_run_id,
            duration_ms=(time.perf_counter() - started) * 1000,
            started_at=started_at,
            cache_key=key,
            cache_parts=parts,
            reason=None if status == StepStatus.CACHED else reason,
            parameters=step_spec.recorded_parameters,
            inputs=inputs,
            **fields,
        )

    try:
        step = instantiate(step_spec)
        upstream_outputs = {name: context.outputs_of(name) for name in step_spec.upstream}
        for input_name, wire in step_spec.inputs.items():
            artifact = upstream_outputs[wire.step].get(wire.output)
            if artifact is None and not _upstream_completed(context, wire.step):
                # An orchestrator that does not gate on failures (kfp.local) started us anyway.
                reason = f"upstream step {wire.step!r} did not complete"
                step_run_id = metadata.skip_step(context.run_id, step_name, reason)
                context.reporter.step(step_name, f"skipped ({reason})")
                return outcome(StepStatus.SKIPPED, error=reason)
            if artifact is None:
                raise StepExecutionError(
                    f"input {input_name!r}: step {wire.step!r} has no output {wire.output!r} "
                    f"recorded in run {context.run_id}"
                )
            inputs[input_name] = artifact
        input_ids = {name: artifact.id for name, artifact in inputs.items()}

        # The key is recorded even when caching is off, so a resumed run can tell whether a
        # step's code or inputs changed since it ran.
        parts = step_cache_parts(step, step_spec, inputs)
        key = cache_key(parts)
        reused = context.reuse.get(step_name)
        hit = None
        if reused is not None:
            hit = (reused, metadata.step_run_outputs(reused))
            reason = "resumed, but its earlier outputs cannot be reused"
        elif spec.caching(step_spec):
            found = metadata.find_cached(key)
            hit = None if found is None else (found[0].id, found[1])
            reason = "no earlier run with the same code, parameters and inputs"
        else:
            reason = "caching is off for this step"
        if hit is not None:
            unusable = unusable_reason(stack.artifact_store, hit[1])
            if unusable is not None:
                context.reporter.step(step_name, f"not reused: {unusable}")
                reason, hit = unusable, None
        if hit is not None:
            source_id, outputs = hit
            step_run_id = metadata.record_cached_step(
                context.run_id,
                step_name,
                step_spec.recorded_parameters,
                key,
                source_id,
                input_ids,
                cache_parts=parts,
            )
            context.known_outputs[step_name] = outputs
            hook.zenml_after_step_run(**common, step_name=step_name, status=StepStatus.CACHED)
            context.reporter.step(step_name, "reused" if reused is not None else "cached")
            return outcome(StepStatus.CACHED, cached_from=source_id, outputs=outputs)
        if not execute:
            return None

        step_run_id = metadata.start_step(
            context.run_id,
            step_name,
            step_spec.recorded_parameters,
            key,
            cache_parts=parts,
            reason=reason,
        )
        context.reporter.step(step_name, "started")
        hook.zenml_before_step_run(**common, step_name=step_name)
        arguments = dict(step_spec.parameters)
        types = step.signature.input_types
        for input_name, artifact in inputs.items():
            arguments[input_name] = load_artifact(stack.artifact_store, artifact, types[input_name])
        step_context = StepContext(step_name, context.run_id, context.run_name)
        with running(step_context):
            returned = step.call(**arguments)
        values = _split_outputs(step, step_spec, returned)
        output_types = step.signature.output_types
        for name, value in values.items():
            _check_type(step_spec, name, output_types[name], value)
        written = _write_outputs(context, step_spec, values)
        outputs = metadata.complete_step(step_run_id, written, input_ids, step_context.metadata)
        context.known_outputs[step_name] = outputs
        result = outcome(StepStatus.COMPLETED, outputs=outputs, metadata=step_context.metadata)
        _write_step_manifest(context, step_name, result)
        hook.zenml_after_step_run(**common, step_name=step_name, status=StepStatus.COMPLETED)
        context.reporter.step(step_name, f"finished in {result.duration_ms:.0f} ms")
        return result
    except Exception as exc:
        from zenml_core.config.secrets import redact

        summary = redact(
            str(exc) if isinstance(exc, StepExecutionError) else f"{type(exc).__name__}: {exc}"
        )
        detail = redact("".join(traceback.format_exception(exc)))
        if step_run_id is None:
            step_run_id = metadata.start_step(
                context.run_id, step_name, step_spec.recorded_parameters, None
            )
        metadata.fail_step(step_run_id, detail, {name: a.id for name, a in inputs.items()})
        hook.zenml_on_step_error(**common, step_name=step_name, error=exc)
        hook.zenml_after_step_run(**common, step_name=step_name, status=StepStatus.FAILED)
        result = outcome(StepStatus.FAILED, error=summary, error_detail=detail)
        context.reporter.step(step_name, f"failed after {result.duration_ms:.0f} ms: {summary}")
        return result
