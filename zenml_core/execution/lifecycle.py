"""A run's life in the record: opened ``running``, kept alive, closed ``completed``/``failed``.

Whether a ``running`` run is still alive is decided by :mod:`zenml_core.execution.liveness`.
Every run that ends fires ``zenml_after_pipeline_run``, also one closed later by a reader.
"""

from __future__ import annotations

import datetime
import os
import socket
import sys
import threading
import uuid
from typing import TYPE_CHECKING, Any

from zenml_core.execution.context import RunStatus, StepStatus
from zenml_core.execution.liveness import CLOSING_QUIET, HEARTBEAT_SECONDS

if TYPE_CHECKING:
    from zenml_core.execution.context import StepOutcome
    from zenml_core.metadata_stores.records import RunRecord
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository
    from zenml_core.stack.stack import Stack


class Heartbeat(threading.Thread):
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
        """Stop beating; no beat lands after this returns."""
        self._stop_event.set()
        if self.is_alive():
            self.join()


# -- opening and closing ------------------------------------------------------------------------


def describe_stack(stack: Stack) -> dict[str, Any]:
    """What a run records about its stack: each component's name, class and settings."""
    from zenml_core.config.secrets import public_settings

    return {
        kind.value: {
            "name": component.name,
            "implementation": f"{type(component).__module__}:{type(component).__qualname__}",
            "settings": public_settings(component.config),
        }
        for kind, component in stack.components.items()
    }


def run_name(pipeline: str, run_id: str, template: str | None = None) -> str:
    """``PIPELINE-YYYYMMDD-HHMMSS-ID``, or ``template`` with its placeholders filled:
    ``{date}`` (2026_12_01), ``{time}`` (14_03_59_123456, UTC), ``{pipeline}``, ``{run_id}``."""
    from zenml_core.errors import PipelineDefinitionError
    from zenml_core.pipelines.spec import check_name

    now = datetime.datetime.now(datetime.timezone.utc)
    if template is None:
        return f"{pipeline}-{now:%Y%m%d-%H%M%S}-{run_id[:6]}"
    try:
        name = template.format(
            date=f"{now:%Y_%m_%d}", time=f"{now:%H_%M_%S_%f}", pipeline=pipeline, run_id=run_id[:6]
        )
    except (KeyError, IndexError, ValueError) as exc:
        raise PipelineDefinitionError(
            f"run_name {template!r}: {exc} is not a placeholder; use {{date}}, {{time}}, "
            "{pipeline} or {run_id}"
        ) from None
    return check_name("run", name)


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


def open_run(
    spec: PipelineSpec,
    stack: Stack,
    repository: Repository | None,
    *,
    resumed_from: str | None = None,
    name: str | None = None,
    run_id: str | None = None,
    schedule: str | None = None,
) -> RunRecord:
    """Record a new ``running`` run of ``spec`` driven by this process, and write its opening
    run manifest. ``name``: a fixed run name or a template (:func:`run_name`); ``run_id``: the
    id chosen already (artifacts were written for the run before it opened); ``schedule``:
    the schedule that started it."""
    from zenml_core.errors import MetadataNotFoundError, PipelineDefinitionError
    from zenml_core.manifests import write_run_manifest

    run_id = run_id or uuid.uuid4().hex
    chosen = run_name(spec.name, run_id, name)
    if name is not None:
        try:
            stack.metadata_store.get_run(chosen)
        except MetadataNotFoundError:
            pass
        else:
            raise PipelineDefinitionError(
                f"a run named {chosen!r} exists; run names are unique: choose another, or a "
                "template such as '" + chosen + "-{time}'"
            )
    stack.artifact_store.initialize()
    git = repository.git_state() if repository is not None else None
    record = stack.metadata_store.create_run(
        run_id=run_id,
        name=chosen,
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
        schedule=schedule,
    )
    _clean_staging(stack)
    write_run_manifest(stack.artifact_store, spec, record, [])
    return record


def close_run(
    stack: Stack,
    spec: PipelineSpec,
    run_id: str,
    status: str,
    error: str | None,
    outcomes: list[StepOutcome],
) -> None:
    """End the run's record and write its closing run manifest (the run and all its step
    runs, cached ones too): with the step manifests, the basis of a rebuild."""
    from zenml_core.manifests import write_run_manifest

    stack.metadata_store.finish_run(run_id, status, error)
    stack.artifact_store.clean_staging(lambda staged_run: staged_run != run_id)  # now empty
    write_run_manifest(stack.artifact_store, spec, stack.metadata_store.get_run(run_id), outcomes)


def run_failure(outcomes: list[StepOutcome]) -> str | None:
    """Why a run whose steps ended as ``outcomes`` failed, or None if it did not."""
    for outcome in outcomes:
        if outcome.status == StepStatus.FAILED:
            return f"step {outcome.step!r} failed: {outcome.error}"
    for outcome in outcomes:
        if outcome.hook_error is not None:
            return f"step {outcome.step!r}: {outcome.hook_error}"
    return None


# -- runs that go on remotely ------------------------------------------------------------------


def follow_remote_runs(
    stack: Stack, records: list[RunRecord], plugins: PluginManager | None = None
) -> list[RunRecord]:
    """Close the runs among ``records`` whose remote run has ended; returns fresh records.

    Only runs submitted through this stack's orchestrator (same name) are asked about. Each
    closed run fires ``zenml_after_pipeline_run``; a raising hook is reported on stderr and
    never makes reading runs fail.
    """
    orchestrator = stack.orchestrator
    followed = [
        record for record in records
        if record.status == RunStatus.RUNNING and record.orchestrator_run_id
        and record.stack.get("orchestrator", {}).get("name") == orchestrator.name
    ]  # fmt: skip
    if not followed:
        return records
    from zenml_core.execution.context import RunContext
    from zenml_core.orchestrators.remote import outcomes_after_remote_run
    from zenml_core.plugin.manager import create_plugin_manager

    plugins = create_plugin_manager() if plugins is None else plugins
    changed: dict[str, RunRecord] = {}
    for record in followed:
        state = orchestrator.remote_state(record)
        if state is None or not state.ended:
            continue
        # One closer: not while the submitting process still waits (it beats), nor while
        # another reader closes it.
        if not stack.metadata_store.claim_run(record.id, CLOSING_QUIET):
            continue
        context = RunContext.for_record(record, stack, plugins)
        spec = context.spec
        error = (state.error or f"the remote run ended {state.state}") if state.failed else None
        not_reached = f"not run: the remote run ended {state.state}"
        ended = outcomes_after_remote_run(context, 0.0, error=error, not_reached=not_reached)
        outcomes = list(ended.values())
        error = run_failure(outcomes) if error is None else error
        status = RunStatus.FAILED if error else RunStatus.COMPLETED
        close_run(stack, spec, record.id, status, error, outcomes)
        hook_error = plugins.call_lifecycle(
            "zenml_after_pipeline_run",
            pipeline_name=spec.name,
            run_id=record.id,
            stack=stack,
            status=status,
        )
        if hook_error is not None:
            print(f"warning: closing run {record.name}: {hook_error}", file=sys.stderr)
        changed[record.id] = stack.metadata_store.get_run(record.id)
    return [changed.get(record.id, record) for record in records]
