"""Running a compiled pipeline: record the run, hand the spec to the orchestrator, close the run.

This is the one place a run's record is opened and closed, for every orchestrator: the run is
``running`` with a heartbeat while the orchestrator works and always ends ``completed`` or
``failed``, whether steps fail, the orchestrator raises, or the user presses Ctrl-C.
"""

from __future__ import annotations

import datetime
import os
import socket
import threading
import time
import uuid
from typing import TYPE_CHECKING, Any

from zenml_core.config.secrets import public_settings
from zenml_core.errors import PipelineRunFailedError, ZenMLError
from zenml_core.metadata_stores.records import RunRecord, RunStatus, StepStatus

if TYPE_CHECKING:
    from zenml_core.client import PipelineRun
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.orchestrators.step_runner import StepOutcome
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository
    from zenml_core.stack.stack import Stack

HEARTBEAT_SECONDS = 10.0


class _Heartbeat(threading.Thread):
    """Marks the run alive every few seconds so a crashed run can be told from a slow one."""

    def __init__(self, stack: Stack, run_id: str) -> None:
        super().__init__(name="zenml-heartbeat", daemon=True)
        self._stack = stack
        self._run_id = run_id
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(HEARTBEAT_SECONDS):
            self._stack.metadata_store.heartbeat(self._run_id)

    def stop(self) -> None:
        self._stop_event.set()


def describe_stack(stack: Stack) -> dict[str, Any]:
    """What a run records about its stack: each component's name, class and settings."""
    return {
        kind.value: {
            "name": component.name,
            "implementation": f"{type(component).__module__}:{type(component).__qualname__}",
            "settings": public_settings(component.config),
        }
        for kind, component in stack.components.items()
    }


def close_run(
    stack: Stack,
    spec: PipelineSpec,
    run_id: str,
    status: str,
    error: str | None,
    outcomes: list[StepOutcome],
) -> None:
    """End the run's record and write its run manifest,
    ``<pipeline>/<run id>/manifest.json``: the run and all its step runs, cached ones too.

    With the step manifests beside each step's outputs, it lets the metadata store be rebuilt
    from the artifact store alone.
    """
    stack.metadata_store.finish_run(run_id, status, error)
    stack.artifact_store.clean_staging(lambda staged_run: staged_run != run_id)  # now empty
    write_run_manifest(stack, spec, stack.metadata_store.get_run(run_id), outcomes)


def write_run_manifest(
    stack: Stack, spec: PipelineSpec, record: RunRecord, outcomes: list[StepOutcome]
) -> None:
    """``<pipeline>/<run id>/manifest.json``: the run record and its step runs. Written when
    the run opens (status ``running``, no steps: a run killed later still comes back from a
    rebuild with its spec, stack and git state) and again when it closes."""
    from zenml_core.orchestrators.step_runner import describe_outcome

    store = stack.artifact_store
    document = {
        "run_id": record.id,
        "name": record.name,
        "pipeline": spec.name,
        "status": record.status,
        "error": record.error,
        "started_at": record.started_at.isoformat(),
        "ended_at": record.ended_at.isoformat() if record.ended_at else None,
        "git_commit": record.git_commit,
        "git_dirty": record.git_dirty,
        "stack_name": record.stack_name,
        "stack": record.stack,
        "host": record.host,
        "pid": record.pid,
        "resumed_from": record.resumed_from,
        "orchestrator_run_id": record.orchestrator_run_id,
        "parameters": spec.parameters,
        "spec": spec.to_dict(),
        "steps": [describe_outcome(outcome) for outcome in outcomes],
    }
    try:
        store.write_manifest(store.uri(spec.name, record.id), document)
    except (OSError, ZenMLError) as exc:
        # The record is complete; only the rebuild basis is missing. Never let this hide
        # how the run itself ended (a read-only artifact store fails the steps first).
        import warnings

        warnings.warn(
            f"the run manifest of {record.name} could not be written ({exc}); "
            "`zenml metadata rebuild` will not restore this run",
            RuntimeWarning,
            stacklevel=2,
        )


def run_name(pipeline: str, run_id: str) -> str:
    now = datetime.datetime.now(datetime.timezone.utc)
    return f"{pipeline}-{now:%Y%m%d-%H%M%S}-{run_id[:6]}"


def _clean_staging(stack: Stack) -> None:
    """Remove what killed writers left in the artifact store's staging area: the outputs of
    steps of runs that are no longer running (cheap: one listing of an empty folder)."""
    from zenml_core.errors import MetadataNotFoundError

    metadata = stack.metadata_store

    def is_live(run_id: str) -> bool:
        try:
            return metadata.get_run(run_id).status == RunStatus.RUNNING
        except MetadataNotFoundError:
            return False

    stack.artifact_store.clean_staging(is_live)


def run(
    spec: PipelineSpec,
    *,
    stack: Stack,
    plugins: PluginManager,
    repository: Repository | None = None,
    reporter: Reporter | None = None,
    resumed_from: str | None = None,
    reuse: dict[str, int] | None = None,
) -> PipelineRun:
    """Run ``spec`` on ``stack``; returns the finished run or raises PipelineRunFailedError.

    ``reuse`` (step name -> step run id) makes those steps reuse earlier outputs, for resuming
    the run ``resumed_from``.
    """
    from zenml_core.client import Client, PipelineRun
    from zenml_core.materializers.registry import MaterializerRegistry
    from zenml_core.orchestrators.remote import Submitted
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.orchestrators.step_runner import RunContext

    reporter = Reporter() if reporter is None else reporter
    started = time.perf_counter()
    stack.artifact_store.initialize()
    git = repository.git_state() if repository is not None else None
    run_id = uuid.uuid4().hex
    record = stack.metadata_store.create_run(
        run_id=run_id,
        name=run_name(spec.name, run_id),
        pipeline=spec.name,
        stack_name=stack.name,
        stack=describe_stack(stack),
        spec=spec.to_dict(),
        parameters=spec.parameters,
        git_commit=git.commit if git else None,
        git_dirty=git.dirty if git else None,
        host=socket.gethostname(),
        pid=os.getpid(),
        resumed_from=resumed_from,
    )
    _clean_staging(stack)
    write_run_manifest(stack, spec, record, [])
    context = RunContext(
        spec=spec,
        run_id=run_id,
        run_name=record.name,
        stack=stack,
        plugins=plugins,
        materializers=MaterializerRegistry(plugins.registry.materializers),
        reporter=reporter,
        reuse=dict(reuse or {}),
    )
    common = {"pipeline_name": spec.name, "run_id": run_id, "stack": stack}
    reporter.line(f"Running pipeline {spec.name!r} on stack {stack.name!r} as {record.name}")
    heartbeat = _Heartbeat(stack, run_id)
    heartbeat.start()
    status, error, raised = RunStatus.FAILED, None, None
    outcomes: dict[str, StepOutcome] = {}
    submitted: Submitted | None = None
    try:
        plugins.hook.zenml_before_pipeline_run(**common)
        result = stack.orchestrator.run(context)
        if isinstance(result, Submitted):
            heartbeat.stop()
            heartbeat.join()  # no beat may land after the release below
            stack.metadata_store.set_orchestrator_run_id(
                run_id, result.orchestrator_run_id, released=True
            )
            submitted = result
            result = {}
        outcomes = result
        failed = [o for o in outcomes.values() if o.status == StepStatus.FAILED]
        if failed:
            error = f"step {failed[0].step!r} failed: {failed[0].error}"
        else:
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
        return PipelineRun(Client(stack=stack), stack.metadata_store.get_run(run_id))
    if status == RunStatus.FAILED:
        plugins.hook.zenml_on_pipeline_error(
            **common, error=raised or ZenMLError(error or "the run failed")
        )
    plugins.hook.zenml_after_pipeline_run(**common, status=status)

    def count(step_status: str) -> int:
        return sum(outcome.status == step_status for outcome in outcomes.values())

    elapsed = (time.perf_counter() - started) * 1000
    reporter.line(
        f"Run {record.name} {status} in {elapsed:.0f} ms: {len(spec.steps)} steps "
        f"({count(StepStatus.COMPLETED)} ran, {count(StepStatus.CACHED)} cached, "
        f"{count(StepStatus.FAILED)} failed, {count(StepStatus.SKIPPED)} skipped). "
        f"Details: zenml runs show {record.name}"
    )
    finished = Client(stack=stack).run(run_id)
    if raised is not None:
        raise raised
    if status == RunStatus.FAILED:
        raise PipelineRunFailedError(f"run {record.name} failed: {error}", finished)
    return finished
