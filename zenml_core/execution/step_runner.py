"""The one code path that executes a step, wherever it runs.

Every orchestrator calls :func:`run_step`, in-process or through ``python -m
zenml_core.entrypoint`` elsewhere. For one step it resolves the inputs, reuses cached outputs
when they still exist, or runs the user's code, writes each output atomically through its
materializer, records everything in the metadata store, and writes a manifest beside the
outputs from which the metadata store could be rebuilt. The plugins' step hooks run outside
the recording: a raising ``zenml_after_step_run`` leaves the step ``completed`` (the run fails,
naming the plugin).
"""

from __future__ import annotations

import datetime
import time
import traceback
from typing import Any

from attrs import define, evolve, field

from zenml_core.artifacts import load_artifact, unusable_reason, write_artifacts
from zenml_core.backends.processing import ProcessingSession
from zenml_core.errors import HookError, RunClosedError, StepExecutionError
from zenml_core.execution.cache import CACHE_KEY_VERSION, cache_key, code_kinds, step_cache_parts
from zenml_core.execution.context import RunContext, StepOutcome, StepStatus
from zenml_core.execution.explain import why_it_runs
from zenml_core.execution.mapping import (
    is_mapped_input,
    item_outputs,
    mapped_artifacts,
    mapped_values,
)
from zenml_core.execution.step_logs import StepLog, capturing, step_log_uri
from zenml_core.manifests import write_step_manifest
from zenml_core.metadata_stores.records import ArtifactRecord, NewArtifact
from zenml_core.pipelines.spec import StepSpec, item_count, item_input, map_item
from zenml_core.steps.base import BaseStep
from zenml_core.steps.context import StepContext, running
from zenml_core.steps.signature import UNIONS, fan_in_input, list_item_type, runtime_class
from zenml_core.utils.source import load_source


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


def _split_outputs(step: BaseStep, step_spec: StepSpec, value: Any) -> dict[str, Any]:
    # The declared order, not the spec's: specs travel as JSON with sorted keys.
    names = list(step.signature.output_types)
    if not names:
        return {}
    several = step.signature.output_tuple
    if several is None:
        return {names[0]: value}
    if not isinstance(value, tuple) or len(value) != len(names):
        got = f"{len(value)} values" if isinstance(value, tuple) else type(value).__name__
        raise StepExecutionError(
            f"the step must return {several.__name__} of {len(names)} values "
            f"({', '.join(names)}), got {got}"
        )
    return dict(zip(names, value, strict=True))


def _check_type(name: str, annotation: Any, value: Any) -> None:
    import typing

    union = typing.get_origin(annotation) in UNIONS
    members = typing.get_args(annotation) if union else (annotation,)
    if any(_fits(member, value) for member in members):
        return
    expected = " | ".join(getattr(runtime_class(m), "__qualname__", str(m)) for m in members)
    raise StepExecutionError(
        f"output {name!r} is declared {expected} but the step returned {type(value).__qualname__}"
    )


def _fits(annotation: Any, value: Any) -> bool:
    if annotation is None or annotation is type(None):
        return value is None
    expected = runtime_class(annotation)
    if expected is None or isinstance(value, expected):
        return True
    return expected is float and isinstance(value, int) and not isinstance(value, bool)


def write_outputs(
    context: RunContext, step_spec: StepSpec, values: dict[str, Any]
) -> list[NewArtifact]:
    """Write every output of the step through its materializer; committed together."""
    store = context.stack.artifact_store
    declared = {name: output.materializer for name, output in step_spec.outputs.items()}
    step_uri = store.uri(context.spec.name, context.run_id, step_spec.name)
    # names not declared: the items a mapped step splits off, materialised by their type
    return write_artifacts(store, context.materializers, step_uri, values, declared)


def _load_inputs(
    context: RunContext, step: BaseStep, step_spec: StepSpec, inputs: dict[str, ArtifactRecord]
) -> dict[str, Any]:
    """The step's call arguments: its parameters and its inputs loaded from the store."""
    from zenml_core.dataset import convert_input

    arguments = dict(step_spec.parameters)
    types = step.signature.input_types
    fan_in: dict[str, dict[int, Any]] = {}
    for input_name, artifact in inputs.items():
        item = fan_in_input(input_name)
        annotation = types[item[0]] if item else types[input_name]
        if item:
            annotation = list_item_type(annotation)
        value = load_artifact(context.stack.artifact_store, artifact, annotation)
        value, note = convert_input(value, annotation)
        if note:
            context.reporter.step(step_spec.name, f"input {input_name!r}: {note}")
        if item:
            fan_in.setdefault(item[0], {})[item[1]] = value
        else:
            arguments[input_name] = value
    for name in step_spec.inputs:
        if name not in inputs and fan_in_input(name) is None:
            fan_in.setdefault(name, {})  # a mapped step's outputs, of no items
    for name, items in fan_in.items():
        arguments[name] = [items[index] for index in sorted(items)]
    return arguments


def run_step(context: RunContext, step_name: str, *, on_backend: bool = False) -> StepOutcome:
    """Execute (or reuse) one step of ``context.spec`` in run ``context.run_id``.

    A step that asks for the training backend (``TrainerStep``s, or
    ``settings={"training_backend": True}``) is handed to the stack's training backend, if
    it has one, unless it comes from the cache; the backend's job then runs it with
    ``on_backend`` set.
    """
    backend = context.stack.training_backend
    step_spec = context.spec.step(step_name)
    wants_backend = step_spec.settings.training_backend and not step_spec.mapped
    if backend is not None and wants_backend and not on_backend:
        settled = try_cached(context, step_name)
        if settled is not None:
            return settled
        context.reporter.step(step_name, f"handed to training backend {backend.name!r}")
        return backend.run_step(context, step_name)
    outcome = _settle(context, step_name, execute=True)
    assert outcome is not None  # always set when executing
    return outcome


def try_cached(context: RunContext, step_name: str) -> StepOutcome | None:
    """Reuse the step from the cache if possible; None (and nothing recorded) if it must run.

    Orchestrators that run steps elsewhere call this first, so a cached step starts no
    container or job.
    """
    return _settle(context, step_name, execute=False)


def compute_only(context: RunContext, step_name: str) -> None:
    """Call the step's code on its recorded inputs, storing and recording nothing.

    For the extra replicas of a distributed training job: they compute along with the chief
    replica (e.g. TensorFlow's multi-worker strategies need every worker in the step), while
    only the chief runs :func:`run_step` and records the outputs.
    """
    step_spec = context.spec.step(step_name)
    step = instantiate(step_spec)
    inputs = {
        name: context.outputs_of(wire.step)[wire.output] for name, wire in step_spec.inputs.items()
    }
    arguments = _load_inputs(context, step, step_spec, inputs)
    with running(StepContext(step_name, context.run_id, context.run_name)):
        step.call(**arguments)


@define
class StepAttempt:
    """One step on its way through the phases; what its outcome is made of."""

    context: RunContext
    spec: StepSpec
    started: float = field(factory=time.perf_counter)
    started_at: datetime.datetime = field(
        factory=lambda: datetime.datetime.now(datetime.timezone.utc)
    )
    step_run_id: int | None = None
    key: str | None = None
    parts: dict[str, Any] | None = None
    reason: str | None = None
    inputs: dict[str, ArtifactRecord] = field(factory=dict)
    step: BaseStep | None = None  # once instantiated: its users' hooks run after the record

    @property
    def name(self) -> str:
        return self.spec.name

    def hook_arguments(self) -> dict[str, Any]:
        context = self.context
        return {
            "pipeline_name": context.spec.name,
            "run_id": context.run_id,
            "stack": context.stack,
            "step_name": self.name,
        }

    def outcome(self, status: str, **fields: Any) -> StepOutcome:
        return StepOutcome(
            step=self.name,
            status=status,
            step_run_id=self.step_run_id,
            duration_ms=(time.perf_counter() - self.started) * 1000,
            started_at=self.started_at,
            cache_key=self.key,
            cache_parts=self.parts,
            reason=None if status == StepStatus.CACHED else self.reason,
            parameters=self.spec.recorded_parameters,
            inputs=self.inputs,
            **fields,
        )


def _settle(context: RunContext, step_name: str, *, execute: bool) -> StepOutcome | None:
    """Resolve inputs, reuse, execute, record; the hooks run after the record is final."""
    attempt = StepAttempt(context, context.spec.step(step_name))
    try:
        step = attempt.step = None if attempt.spec.mapped else instantiate(attempt.spec)
        skipped = _resolve_inputs(attempt)
        if skipped is not None:
            return skipped
        if step is None:  # a mapped step: this step run splits its lists into items
            return _after(attempt, split_items(attempt))
        cached = _reuse(attempt, step)
        if cached is None and not execute:
            return None
        outcome = cached if cached is not None else _execute(attempt, step)
    except RunClosedError as exc:  # reaped or closed meanwhile: stop, write nothing more
        context.reporter.step(step_name, f"stopped: {exc}")
        return attempt.outcome(StepStatus.FAILED, error=str(exc))
    except Exception as exc:
        outcome = _record_failure(attempt, exc)
        return _after(attempt, outcome, error=exc)
    return _after(attempt, outcome)


def _resolve_inputs(attempt: StepAttempt) -> StepOutcome | None:
    """Find the artifacts the step reads; a skipped outcome if an upstream step did not
    complete (an orchestrator that does not gate on failures, kfp.local, started us anyway)."""
    context = attempt.context
    upstream_outputs = {name: context.outputs_of(name) for name in attempt.spec.upstream}
    item = map_item(attempt.name)
    own_map = item[0] if item else None  # an item reads its value from its map's split
    for before in attempt.spec.after:
        if not _upstream_completed(context, before):
            return _skipped(attempt, f"step {before!r}, which it comes after, did not complete")
    for input_name, wire in attempt.spec.inputs.items():
        if wire.external:  # an existing artifact, resolved to its id when the run started
            attempt.inputs[input_name] = context.stack.metadata_store.get_artifact(
                int(wire.external)
            )
            continue
        if wire.step != own_map and wire.step in context.mapped_steps:  # items' outputs
            items = item_outputs(context, wire.step, wire.output, upstream_outputs[wire.step])
            if items is None:
                return _skipped(attempt, f"an item of mapped step {wire.step!r} did not complete")
            attempt.inputs.update(
                (f"{input_name}[{index}]", item) for index, item in enumerate(items)
            )
            continue
        artifact = upstream_outputs[wire.step].get(wire.output)
        if artifact is None and not _upstream_completed(context, wire.step):
            return _skipped(attempt, f"upstream step {wire.step!r} did not complete")
        if artifact is None:
            raise StepExecutionError(
                f"input {input_name!r}: step {wire.step!r} has no output {wire.output!r} "
                f"recorded in run {context.run_id}"
            )
        attempt.inputs[input_name] = artifact
    return _check_condition(attempt, upstream_outputs)


def split_items(attempt: StepAttempt) -> StepOutcome:
    """The step run of a mapped step: its mapped inputs' lists written item by item, as its
    outputs ``<input>-<index>`` (reused from an earlier run when the lists are the same), for
    the items' step runs ``name[0]``, ``name[1]``, ... to read."""
    context, spec = attempt.context, attempt.spec
    metadata, store = context.stack.metadata_store, context.stack.artifact_store
    lists = {name: mapped_artifacts(attempt.inputs, name) for name in spec.mapped}
    attempt.inputs = {name: a for name, a in attempt.inputs.items() if is_mapped_input(spec, name)}
    input_ids = {name: artifact.id for name, artifact in attempt.inputs.items()}
    attempt.parts = {
        "version": CACHE_KEY_VERSION,
        "map": {
            name: [f"{a.content_hash}|{a.materializer}" for a in artifacts]
            for name, (artifacts, _) in lists.items()
        },
    }
    attempt.key = cache_key(attempt.parts)
    caching = context.spec.caching(spec)
    found = metadata.find_cached(attempt.key) if caching else None
    attempt.reason = _why_it_runs(attempt) if caching else "caching is off for this step"
    if found is not None and unusable_reason(store, found[1]) is None:
        attempt.step_run_id = metadata.record_cached_step(
            context.run_id, spec.name, {}, attempt.key, found[0].id, input_ids,
            cache_parts=attempt.parts,
        )  # fmt: skip
        context.known_outputs[spec.name] = found[1]
        count = item_count(spec, found[1])
        context.reporter.step(spec.name, f"{count} items (the split is cached)")
        return attempt.outcome(StepStatus.CACHED, cached_from=found[0].id, outputs=found[1])
    attempt.step_run_id = metadata.start_step(
        context.run_id, spec.name, {}, attempt.key, cache_parts=attempt.parts,
        reason=attempt.reason,
    )  # fmt: skip
    items = {name: mapped_values(store, name, *listed) for name, listed in lists.items()}
    lengths = {name: len(values) for name, values in items.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name!r} has {length}" for name, length in lengths.items())
        raise StepExecutionError(
            f"the lists a map goes over must be as long as each other: {shown} items; wrap "
            "the ones to pass whole in unmapped(...)"
        )
    values = {
        item_input(name, index): value
        for name, listed in items.items()
        for index, value in enumerate(listed)
    }
    count = next(iter(lengths.values()))
    written = write_outputs(context, spec, values)
    step_metadata = {"items": count}
    outputs = metadata.complete_step(attempt.step_run_id, written, input_ids, step_metadata)
    context.known_outputs[spec.name] = outputs
    result = attempt.outcome(StepStatus.COMPLETED, outputs=outputs, metadata=step_metadata)
    write_step_manifest(context, result)
    context.reporter.step(spec.name, f"split into {count} items")
    return result


def _check_condition(
    attempt: StepAttempt, upstream_outputs: dict[str, dict[str, ArtifactRecord]]
) -> StepOutcome | None:
    """A skipped outcome, naming the condition and its value, if ``when=`` says no."""
    condition = attempt.spec.when
    if condition is None:
        return None
    context = attempt.context
    artifact = upstream_outputs[condition.step].get(condition.output)
    if artifact is None:
        return _skipped(attempt, f"upstream step {condition.step!r} did not complete")
    value = load_artifact(context.stack.artifact_store, artifact)
    shown = f"output {condition.output!r} of step {condition.step!r}"
    decided = value
    if condition.predicate is not None:
        predicate = load_source(condition.predicate)
        decided = predicate(value)
        shown = f"{condition.predicate.rpartition(':')[2]}({shown})"
    if decided:
        return None
    text = repr(decided if condition.predicate else value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return _skipped(attempt, f"condition not met: {shown} is {text}")


def _skipped(attempt: StepAttempt, reason: str) -> StepOutcome:
    context = attempt.context
    attempt.reason = reason
    attempt.step_run_id = context.stack.metadata_store.skip_step(
        context.run_id, attempt.name, reason
    )
    context.reporter.step(attempt.name, f"skipped ({reason})")
    return attempt.outcome(StepStatus.SKIPPED, error=reason)


def _upstream_completed(context: RunContext, step_name: str) -> bool:
    if step_name in context.known_outputs:  # completed or cached in this process
        return True
    records = context.stack.metadata_store.list_step_runs(context.run_id)
    return any(
        r.name == step_name and r.status in (StepStatus.COMPLETED, StepStatus.CACHED)
        for r in records
    )


def _why_it_runs(attempt: StepAttempt, kinds: dict[str, str] | None = None) -> str:
    """What differs from the step's baseline (see :mod:`zenml_core.execution.explain`)."""
    assert attempt.parts is not None
    baseline, baseline_run = attempt.context.baseline(attempt.name)
    producers = {name: wire.step for name, wire in attempt.spec.inputs.items() if wire.step}
    return why_it_runs(attempt.parts, baseline, baseline_run, kinds=kinds, producers=producers)


def _reuse(attempt: StepAttempt, step: BaseStep) -> StepOutcome | None:
    """Record the step as cached (or reused by a resume) if usable outputs exist."""
    context, step_spec = attempt.context, attempt.spec
    metadata, spec = context.stack.metadata_store, context.spec
    # The key is recorded even when caching is off, so a resumed run can tell whether a
    # step's code or inputs changed since it ran.
    attempt.parts = step_cache_parts(step, step_spec, attempt.inputs)
    attempt.key = cache_key(attempt.parts)
    reused = context.reuse.get(attempt.name)
    hit = None
    if reused is not None:
        hit = (reused, metadata.step_run_outputs(reused))
        attempt.reason = "resumed, but its earlier outputs cannot be reused"
    elif spec.caching(step_spec):
        found = metadata.find_cached(attempt.key)
        hit = None if found is None else (found[0].id, found[1])
        if hit is None:
            attempt.reason = _why_it_runs(attempt, code_kinds(step.code_object))
    else:
        attempt.reason = "caching is off for this step"
    if hit is not None:
        unusable = unusable_reason(context.stack.artifact_store, hit[1])
        if unusable is not None:
            context.reporter.step(attempt.name, f"not reused: {unusable}")
            attempt.reason, hit = unusable, None
    if hit is None:
        return None
    source_id, outputs = hit
    attempt.step_run_id = metadata.record_cached_step(
        context.run_id,
        attempt.name,
        step_spec.recorded_parameters,
        attempt.key,
        source_id,
        {name: artifact.id for name, artifact in attempt.inputs.items()},
        cache_parts=attempt.parts,
    )
    context.known_outputs[attempt.name] = outputs
    context.reporter.step(attempt.name, "reused" if reused is not None else "cached")
    return attempt.outcome(StepStatus.CACHED, cached_from=source_id, outputs=outputs)


def _execute(attempt: StepAttempt, step: BaseStep) -> StepOutcome:
    """Run the user's code on its inputs, write and record the outputs, write the manifest."""
    context, step_spec = attempt.context, attempt.spec
    metadata = context.stack.metadata_store
    attempt.step_run_id = metadata.start_step(
        context.run_id,
        attempt.name,
        step_spec.recorded_parameters,
        attempt.key,
        cache_parts=attempt.parts,
        reason=attempt.reason,
    )
    context.reporter.step(attempt.name, "started")
    hook_error = context.plugins.call_lifecycle("zenml_before_step_run", **attempt.hook_arguments())
    if hook_error is not None:
        raise hook_error
    arguments = _load_inputs(context, step, step_spec, attempt.inputs)
    written, step_context = _attempts(attempt, step, arguments)
    written = _with_artifact_metadata(written, step_context)
    input_ids = {name: artifact.id for name, artifact in attempt.inputs.items()}
    outputs = metadata.complete_step(attempt.step_run_id, written, input_ids, step_context.metadata)
    context.known_outputs[attempt.name] = outputs
    result = attempt.outcome(StepStatus.COMPLETED, outputs=outputs, metadata=step_context.metadata)
    write_step_manifest(context, result)
    context.reporter.step(attempt.name, f"finished in {result.duration_ms:.0f} ms")
    return result


def _with_artifact_metadata(
    written: list[NewArtifact], step_context: StepContext
) -> list[NewArtifact]:
    """The outputs with what the step logged for each (``log_metadata(artifact_name=...)``)."""
    logged = step_context.artifact_metadata
    return [evolve(a, metadata=logged.get(a.output_name, {})) for a in written]


def _run_once(
    attempt: StepAttempt, step: BaseStep, arguments: dict[str, Any], log: StepLog
) -> tuple[list[NewArtifact], StepContext]:
    """One attempt: the user's code, its outputs checked and written."""
    context, step_spec = attempt.context, attempt.spec
    step_context = StepContext(
        attempt.name,
        context.run_id,
        context.run_name,
        open_processing=lambda: _open_processing(context, step_spec),
    )
    try:
        timeout = step_spec.settings.timeout
        with capturing(log):
            if timeout is None:
                with running(step_context):
                    returned = step.call(**arguments)
            else:
                from zenml_core.execution.child_process import call_with_timeout

                returned = call_with_timeout(step, arguments, step_context, timeout)
        values = _split_outputs(step, step_spec, returned)
        output_types = step.signature.output_types
        for name, value in values.items():
            _check_type(name, output_types[name], value)
        unknown = set(step_context.artifact_metadata) - set(values)
        if unknown:
            raise StepExecutionError(
                f"log_metadata(artifact_name=...) names {', '.join(sorted(unknown))}, not an "
                f"output of this step (outputs: {', '.join(values) or 'none'})"
            )
        written = write_outputs(context, step_spec, values)  # adopts shards the engine wrote
    finally:
        step_context.close()
    return written, step_context


def _attempts(
    attempt: StepAttempt, step: BaseStep, arguments: dict[str, Any]
) -> tuple[list[NewArtifact], StepContext]:
    """Run the step, again after a failure while ``retries`` allow (unless the orchestrator
    retries it itself); each failed attempt is recorded under the one step run."""
    import os

    from zenml_core.config.environment import RETRIES_BY_ORCHESTRATOR_ENV

    context, settings = attempt.context, attempt.spec.settings
    retries = 0 if os.environ.get(RETRIES_BY_ORCHESTRATOR_ENV) else settings.retries
    delay = settings.retry_delay
    store = context.stack.artifact_store
    log = StepLog(store, step_log_uri(store, context.spec.name, context.run_id, attempt.name))
    try:
        return _retried(attempt, step, arguments, log, retries, delay)
    finally:
        try:
            log.finish()
        except Exception as exc:  # the log is lost, the step's outcome is not
            context.reporter.step(
                attempt.name, f"its log could not be kept: {type(exc).__name__}: {exc}"
            )


def _retried(
    attempt: StepAttempt,
    step: BaseStep,
    arguments: dict[str, Any],
    log: StepLog,
    retries: int,
    delay: float,
) -> tuple[list[NewArtifact], StepContext]:
    """The attempts themselves, each failed one recorded, all writing to one log."""
    from zenml_core.config.secrets import redact

    context, settings = attempt.context, attempt.spec.settings
    for number in range(1, retries + 2):
        started = datetime.datetime.now(datetime.timezone.utc)
        if number > 1:
            log.header(f"attempt {number} of {retries + 1}")
        try:
            return _run_once(attempt, step, arguments, log)
        except RunClosedError:
            raise
        except Exception as exc:
            if number > retries:
                raise
            error = redact(f"{type(exc).__name__}: {exc}")
            assert attempt.step_run_id is not None
            context.stack.metadata_store.record_attempt(
                attempt.step_run_id,
                {
                    "attempt": number,
                    "error": error,
                    "started_at": started.isoformat(),
                    "ended_at": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                },
            )
            context.reporter.step(
                attempt.name,
                f"attempt {number} of {retries + 1} failed: {error}; again in {delay:g} s",
            )
            time.sleep(delay)
            delay *= settings.retry_backoff
    raise AssertionError("unreachable")  # the loop returns or raises


def _open_processing(context: RunContext, step_spec: StepSpec) -> ProcessingSession:
    """The session a step's code gets: the stack's processing backend if the step asks for it
    and the stack has one, otherwise shard after shard in this process."""
    store = context.stack.artifact_store
    scratch_root = store.local_root()
    backend = context.stack.processing_backend
    if backend is None or not step_spec.settings.processing_backend:
        return ProcessingSession(scratch_root, {})
    settings = step_spec.settings.extra.get(backend.flavor or "", {})
    return backend.session(
        scratch_root=scratch_root, settings=settings, scratch_url=store.scratch_url()
    )


def _record_failure(attempt: StepAttempt, exc: Exception) -> StepOutcome:
    """Record the step failed with the (redacted) traceback of ``exc``."""
    from zenml_core.config.secrets import redact
    from zenml_core.utils.tracebacks import user_traceback

    context = attempt.context
    metadata = context.stack.metadata_store
    own = isinstance(exc, StepExecutionError | HookError)
    summary = redact(str(exc) if own else f"{type(exc).__name__}: {exc}")
    detail = redact("".join(traceback.format_exception(exc)))
    try:
        if attempt.step_run_id is None:
            attempt.step_run_id = metadata.start_step(
                context.run_id, attempt.name, attempt.spec.recorded_parameters, None
            )
        metadata.fail_step(
            attempt.step_run_id, detail, {n: a.id for n, a in attempt.inputs.items()}
        )
    except RunClosedError as closed:
        summary = f"{summary} (not recorded: {closed})"
    result = attempt.outcome(StepStatus.FAILED, error=summary, error_detail=detail)
    context.reporter.step(attempt.name, f"failed after {result.duration_ms:.0f} ms: {summary}")
    for line in user_traceback(detail).splitlines():
        context.reporter.step(attempt.name, f"  {line}")
    return result


def _users_hook(attempt: StepAttempt, outcome: StepOutcome, error: Exception | None) -> None:
    """The step's ``on_failure`` (it failed) or ``on_success`` (its code ran: not for a cached
    step) hook, with the step's context current."""
    from zenml_core.execution.outcome_hooks import call_hook

    step, context = attempt.step, attempt.context
    if step is None:
        return
    if outcome.status == StepStatus.FAILED and error is not None:
        hook, kind = step.on_failure, "on_failure"
    elif outcome.status == StepStatus.COMPLETED:
        hook, kind = step.on_success, "on_success"
    else:
        return
    if hook is None:
        return
    hook_context = StepContext(
        attempt.name, context.run_id, context.run_name, metadata=dict(outcome.metadata or {})
    )
    with running(hook_context):
        call_hook(
            hook,
            f"step {attempt.name!r}: {kind}",
            lambda line: context.reporter.step(attempt.name, line),
            exception=error,
            context=hook_context,
        )


def _after(
    attempt: StepAttempt, outcome: StepOutcome, error: Exception | None = None
) -> StepOutcome:
    """The plugins' after-step hooks, once the record is final: a raising hook cannot change
    what the record says; it is carried in ``hook_error`` and fails the run."""
    plugins, arguments = attempt.context.plugins, attempt.hook_arguments()
    failures = []
    if error is not None:
        failures.append(plugins.call_lifecycle("zenml_on_step_error", **arguments, error=error))
    failures.append(
        plugins.call_lifecycle("zenml_after_step_run", **arguments, status=outcome.status)
    )
    _users_hook(attempt, outcome, error)
    hook_error = next((str(failure) for failure in failures if failure is not None), None)
    if hook_error is None:
        return outcome
    attempt.context.reporter.step(attempt.name, f"error: {hook_error}")
    return evolve(outcome, hook_error=hook_error)
