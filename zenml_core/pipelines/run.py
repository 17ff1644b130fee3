"""Running a compiled pipeline: open the run, hand it to the orchestrator, close the run.

This is the one place a run driven from this process is opened and closed (through
:mod:`zenml_core.execution.lifecycle`), for every orchestrator: the run is ``running`` with a
heartbeat while the orchestrator works and always ends ``completed`` or ``failed``, whether
steps fail, the orchestrator raises, or the user presses Ctrl-C.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import TYPE_CHECKING, Any

from zenml_core.errors import PipelineDefinitionError, PipelineRunFailedError, ZenMLError
from zenml_core.execution.context import RunStatus, StepStatus
from zenml_core.pipelines.external import VALUE_PREFIX
from zenml_core.pipelines.spec import map_item

if TYPE_CHECKING:
    from zenml_core.client import PipelineRun
    from zenml_core.execution.context import StepOutcome
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository
    from zenml_core.stack.stack import Stack


def run(
    spec: PipelineSpec,
    *,
    stack: Stack,
    plugins: PluginManager,
    repository: Repository | None = None,
    reporter: Reporter | None = None,
    resumed_from: str | None = None,
    reuse: dict[str, int] | None = None,
    run_name: str | None = None,
    values: dict[str, Any] | None = None,
) -> PipelineRun:
    """Run ``spec`` on ``stack``; returns the finished run or raises PipelineRunFailedError.

    ``reuse`` (step name -> step run id) makes those steps reuse earlier outputs, for resuming
    the run ``resumed_from``. ``run_name``: a fixed name or a template (see ``run_name``).
    ``values``: the ``ExternalArtifact`` values the spec names by token, written first.
    """
    from zenml_core.client import Client, PipelineRun
    from zenml_core.execution.context import RunContext
    from zenml_core.execution.lifecycle import Heartbeat, close_run, open_run, run_failure
    from zenml_core.orchestrators.remote import Submitted
    from zenml_core.orchestrators.reporting import Reporter

    reporter = Reporter() if reporter is None else reporter
    started = time.perf_counter()
    run_id = uuid.uuid4().hex
    spec = _resolve_external_artifacts(spec, stack, plugins, values or {}, run_id)
    record = open_run(
        spec, stack, repository, resumed_from=resumed_from, name=run_name, run_id=run_id
    )
    context = RunContext.create(spec, run_id, record.name, stack, plugins, reporter, reuse)
    common = {"pipeline_name": spec.name, "run_id": run_id, "stack": stack}
    reporter.line(f"Running pipeline {spec.name!r} on stack {stack.name!r} as {record.name}")
    heartbeat = Heartbeat(stack, run_id)
    heartbeat.start()
    status, error, raised = RunStatus.FAILED, None, None
    outcomes: dict[str, StepOutcome] = {}
    submitted: Submitted | None = None
    try:
        plugins.hook.zenml_before_pipeline_run(**common)
        result = stack.orchestrator.run(context)
        if isinstance(result, Submitted):
            heartbeat.stop()  # no beat may land after the release below
            stack.metadata_store.set_orchestrator_run_id(
                run_id, result.orchestrator_run_id, released=True
            )
            submitted = result
            result = {}
        outcomes = result
        error = run_failure(list(outcomes.values()))
        if error is None:
            status = RunStatus.COMPLETED
    except BaseException as exc:  # the run must never stay "running", even on Ctrl-C
        from zenml_core.config.secrets import redact

        raised = exc
        error = redact(f"{type(exc).__name__}: {exc}")
    finally:
        heartbeat.stop()
        if submitted is None:
            close_run(stack, spec, run_id, status, error, list(outcomes.values()))
    if submitted is not None:
        reporter.line(
            f"Run {record.name} submitted as {submitted.orchestrator_run_id} "
            f"({submitted.where}); `zenml runs show {record.name}` follows it"
        )
        return PipelineRun(
            Client(stack=stack, plugins=plugins), stack.metadata_store.get_run(run_id)
        )
    if status == RunStatus.FAILED:
        plugins.hook.zenml_on_pipeline_error(
            **common, error=raised or ZenMLError(error or "the run failed")
        )
    plugins.hook.zenml_after_pipeline_run(**common, status=status)

    elapsed = (time.perf_counter() - started) * 1000
    reporter.line(
        f"Run {record.name} {status} in {elapsed:.0f} ms: "
        f"{_summary(spec, stack, run_id, outcomes, raised)}. "
        f"Details: zenml runs show {record.name}"
    )
    finished = Client(stack=stack, plugins=plugins).run(run_id)
    if raised is not None:
        raise raised
    if status == RunStatus.FAILED:
        raise PipelineRunFailedError(f"run {record.name} failed: {error}", finished)
    return finished


def _summary(
    spec: PipelineSpec,
    stack: Stack,
    run_id: str,
    outcomes: dict[str, StepOutcome],
    raised: BaseException | None,
) -> str:
    """What happened to the steps, counted from the record when the orchestrator stopped before
    reporting every step (Ctrl-C, a failed image build), and why it stopped."""
    statuses = {name: outcome.status for name, outcome in outcomes.items()}
    if any(step.name not in statuses for step in spec.steps):
        # The store itself may be why the run stopped: then count what is known.
        with contextlib.suppress(Exception):
            statuses = {r.name: r.status for r in stack.metadata_store.list_step_runs(run_id)}
    counts = [
        (sum(status == wanted for status in statuses.values()), label)
        for wanted, label in (
            (StepStatus.COMPLETED, "ran"),
            (StepStatus.CACHED, "cached"),
            (StepStatus.FAILED, "failed"),
            (StepStatus.SKIPPED, "skipped"),
        )
    ]
    counted = ", ".join(f"{number} {label}" for number, label in counts)
    not_started = sum(step.name not in statuses for step in spec.steps)
    if not_started:
        counted += f", {not_started} not started"
    items = sum(map_item(name) is not None for name in statuses)  # step.map's items
    text = f"{len(spec.steps) + items} steps ({counted})"
    if isinstance(raised, KeyboardInterrupt):
        text += ", interrupted (Ctrl-C)"
    elif raised is not None:
        from zenml_core.config.secrets import redact

        reason = str(raised).strip().splitlines()
        text += f", stopped by {type(raised).__name__}: {redact(reason[0]) if reason else ''}"
    return text


def _resolve_external_artifacts(
    spec: PipelineSpec, stack: Stack, plugins: PluginManager, values: dict[str, Any], run_id: str
) -> PipelineSpec:
    """``spec`` with every external input's reference replaced by its artifact's id: values
    are written first, as artifacts of no step; an unknown reference fails here, before
    anything runs."""
    from attrs import evolve

    from zenml_core.client import Client

    if not any(w.external for s in spec.steps for w in s.inputs.values()):
        return spec
    written = _write_values(spec, stack, plugins, values, run_id)
    client = Client(stack=stack, plugins=plugins)
    steps = []
    for step in spec.steps:
        inputs = {}
        for name, wire in step.inputs.items():
            if wire.external in written:
                wire = evolve(wire, external=str(written[wire.external]))
            elif wire.external:
                if wire.external.startswith(VALUE_PREFIX):
                    raise PipelineDefinitionError(
                        f"step {step.name!r}: input {name!r} is an ExternalArtifact value, which "
                        "exists only in the Python process that defined the pipeline; run it "
                        "with pipeline.run(...) there, or pass an existing artifact's id"
                    )
                found = client.artifact(wire.external)
                wire = evolve(wire, external=str(found.id))
            inputs[name] = wire
        steps.append(evolve(step, inputs=inputs))
    return evolve(spec, steps=tuple(steps))


def _write_values(
    spec: PipelineSpec, stack: Stack, plugins: PluginManager, values: dict[str, Any], run_id: str
) -> dict[str, int]:
    """Write the ``ExternalArtifact`` values the spec uses into the run's ``.external``
    folder, together, and record each as an artifact with no producer; token -> its id."""
    from zenml_core.artifacts import write_artifacts
    from zenml_core.materializers.registry import MaterializerRegistry

    used = {w.external for s in spec.steps for w in s.inputs.values()}
    names = {token.replace(":", "-"): token for token in values if token in used}  # value-0
    if not names:
        return {}
    store = stack.artifact_store
    store.initialize()
    written = write_artifacts(
        store,
        MaterializerRegistry(plugins.registry.materializers),
        store.uri(spec.name, run_id, ".external"),
        {name: values[token] for name, token in names.items()},
    )
    record = stack.metadata_store.record_external_artifact
    return {names[artifact.output_name]: record(artifact) for artifact in written}
