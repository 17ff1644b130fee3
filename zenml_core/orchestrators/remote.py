"""Runs that go on elsewhere: submitted to a remote orchestrator, followed through it.

An orchestrator that submits a run and does not wait returns :class:`Submitted` from
``run()``; the run stays ``running`` with the remote id recorded, and is not reaped for lack
of heartbeats. Reading runs (``Client.runs``/``Client.run``, so ``zenml runs list/show``) asks
the orchestrator for the remote state with :meth:`BaseOrchestrator.remote_state` and closes
the run once the remote run has ended.

Steps that cannot reach the stack's metadata store (a local SQLite file) record into a scratch
store and leave their step manifest in the artifact store; :func:`import_step_manifests`
brings those into the metadata store after the run.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from attrs import frozen

from zenml_core.errors import ArtifactStoreError
from zenml_core.metadata_stores.records import RunStatus, StepStatus

if TYPE_CHECKING:
    from zenml_core.metadata_stores.records import RunRecord
    from zenml_core.orchestrators.step_runner import RunContext, StepOutcome
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack


CLOSING_QUIET = datetime.timedelta(seconds=30)  # three missed heartbeats


@frozen
class Submitted:
    """Returned by ``BaseOrchestrator.run`` for a run handed to a remote service, not waited for."""

    orchestrator_run_id: str
    where: str  # where to look at it, for the user


@frozen
class RemoteState:
    """What the remote service says about a run; ``ended`` with ``failed`` carries ``error``."""

    state: str  # the service's own word, shown to users
    ended: bool = False
    failed: bool = False
    error: str | None = None


def step_manifests(
    stack: Stack, pipeline: str, run_id: str, steps: list[str]
) -> list[dict[str, Any]]:
    """The step manifests written so far for ``steps`` of the run."""
    store = stack.artifact_store
    found = []
    for step in steps:
        try:
            found.append(store.read_manifest(store.uri(pipeline, run_id, step)))
        except ArtifactStoreError:
            continue
    return found


def _spec_materializers(context: RunContext) -> Callable[[str], bool]:
    """A remote step's manifest may name the materializers plugins registered and those the
    pipeline declares; nothing else is imported on its word."""
    from zenml_core.metadata_stores.rebuild import trusted_materializers

    registered = [entry.materializer for entry in context.plugins.registry.materializers]
    declared = [
        output.materializer
        for step in context.spec.steps
        for output in step.outputs.values()
        if output.materializer is not None
    ]
    return trusted_materializers([*registered, *declared], None)


def import_step_manifests(context: RunContext) -> list[str]:
    """Record the steps of the run that left a manifest but no record; returns their names."""
    from zenml_core.metadata_stores.rebuild import drop_untrusted_outputs
    from zenml_core.metadata_stores.sql import utcnow

    metadata = context.stack.metadata_store
    records = metadata.list_step_runs(context.run_id)
    recorded = {step.name for step in records}
    missing = [step.name for step in context.spec.steps if step.name not in recorded]
    documents = step_manifests(context.stack, context.spec.name, context.run_id, missing)
    if documents:
        # Inputs made by steps recorded here already (run locally, cached) link by URI too.
        known = {
            artifact.uri: artifact.id
            for record in records
            for artifact in metadata.step_run_outputs(record.id).values()
        }
        problems: list[str] = []
        drop_untrusted_outputs(documents, _spec_materializers(context), problems)
        metadata.restore_steps(  # type: ignore[attr-defined]
            context.run_id, context.run_name, documents, {}, known, problems,
            default_time=utcnow(),
        )  # fmt: skip
        for problem in problems:
            context.reporter.line(f"warning: {problem}")
    return [document["step"] for document in documents]


def outcomes_after_remote_run(
    context: RunContext, seconds: float, *, error: str | None, not_reached: str
) -> dict[str, StepOutcome]:
    """How each step ended once the remote run is over, from the record (manifests imported
    first). A step with no record failed with the remote ``error`` if everything it needs
    completed, otherwise it is recorded skipped; ``not_reached`` says why when the run did
    not fail at all (the remote service stopped early)."""
    from zenml_core.orchestrators.external import outcome_from_record
    from zenml_core.orchestrators.step_runner import StepOutcome

    import_step_manifests(context)
    metadata = context.stack.metadata_store
    recorded = {step.name for step in metadata.list_step_runs(context.run_id)}
    outcomes: dict[str, StepOutcome] = {}
    for step in context.spec.steps:
        if step.name in recorded:
            outcomes[step.name] = outcome_from_record(context, step.name, 0, [], seconds)
            continue
        stopped = [
            u for u in step.upstream
            if outcomes[u].status in (StepStatus.FAILED, StepStatus.SKIPPED)
        ]  # fmt: skip
        if (
            not stopped
            and error is not None
            and not any(o.status == StepStatus.FAILED for o in outcomes.values())
        ):
            step_run_id = metadata.start_step(context.run_id, step.name, {}, None)
            metadata.fail_step(step_run_id, error)
            outcomes[step.name] = StepOutcome(
                step.name, StepStatus.FAILED, step_run_id, 0.0, error=error, error_detail=error
            )
            continue
        reason = f"upstream step {stopped[0]!r} did not complete" if stopped else not_reached
        step_run_id = metadata.skip_step(context.run_id, step.name, reason)
        outcomes[step.name] = StepOutcome(
            step.name, StepStatus.SKIPPED, step_run_id, 0.0, error=reason
        )
    return outcomes


def context_for(record: RunRecord, stack: Stack, plugins: PluginManager) -> RunContext:
    """A run context for a recorded run, to finish it from another process."""
    from zenml_core.materializers.registry import MaterializerRegistry
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.orchestrators.step_runner import RunContext
    from zenml_core.pipelines.spec import PipelineSpec

    return RunContext(
        spec=PipelineSpec.from_dict(record.spec),
        run_id=record.id,
        run_name=record.name,
        stack=stack,
        plugins=plugins,
        materializers=MaterializerRegistry(plugins.registry.materializers),
        reporter=Reporter(quiet=True),
    )


def follow_remote_runs(stack: Stack, records: list[RunRecord]) -> list[RunRecord]:
    """Close the runs among ``records`` whose remote run has ended; returns fresh records.

    Only runs submitted through this stack's orchestrator (same name) are asked about.
    """
    from zenml_core.pipelines.run import close_run
    from zenml_core.plugin.manager import create_plugin_manager

    orchestrator = stack.orchestrator
    followed = [
        record for record in records
        if record.status == RunStatus.RUNNING and record.orchestrator_run_id
        and record.stack.get("orchestrator", {}).get("name") == orchestrator.name
    ]  # fmt: skip
    if not followed:
        return records
    plugins = create_plugin_manager()
    changed: dict[str, RunRecord] = {}
    for record in followed:
        state = orchestrator.remote_state(record)
        if state is None or not state.ended:
            continue
        # One closer: not while the submitting process still waits (it beats every 10 s), nor
        # while another reader closes it.
        if not stack.metadata_store.claim_run(record.id, CLOSING_QUIET):
            continue
        context = context_for(record, stack, plugins)
        error = (state.error or f"the remote run ended {state.state}") if state.failed else None
        outcomes = outcomes_after_remote_run(
            context, 0.0, error=error, not_reached=f"not run: the remote run ended {state.state}"
        )
        failed = [o for o in outcomes.values() if o.status == StepStatus.FAILED]
        status = RunStatus.FAILED if failed or error else RunStatus.COMPLETED
        if failed and error is None:
            error = f"step {failed[0].step!r} failed: {failed[0].error}"
        close_run(stack, context.spec, record.id, status, error, list(outcomes.values()))
        changed[record.id] = stack.metadata_store.get_run(record.id)
    return [changed.get(record.id, record) for record in records]


def write_failure_manifest(context: RunContext, outcome: StepOutcome) -> None:
    """Leave a failed step's record (with its traceback) as its step manifest, for steps that
    record via manifests: otherwise only the remote service's exit code would be known. A
    retry that succeeds replaces it."""
    from zenml_core.orchestrators.step_runner import describe_outcome

    store = context.stack.artifact_store
    store.write_manifest(
        store.uri(context.spec.name, context.run_id, outcome.step),
        {
            "pipeline": context.spec.name,
            "run_id": context.run_id,
            "run_name": context.run_name,
            **describe_outcome(outcome),
        },
    )


def with_scratch_metadata(stack: Stack, spec: PipelineSpec, run_id: str, run_name: str) -> Stack:
    """``stack`` with a scratch SQLite metadata store in a temporary folder, holding the run
    and the steps of it that already left manifests (so this step finds its inputs).

    For steps that run where the stack's metadata store cannot be reached: what they record
    reaches the real store through their step manifest (:func:`import_step_manifests`).
    Caching cannot work there (the scratch store has no history), so such steps always run.
    """
    import os
    import socket
    import tempfile

    import attrs

    from zenml_core.metadata_stores.sql import utcnow
    from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig

    folder = tempfile.mkdtemp(prefix="zenml-scratch-")
    scratch = SQLiteMetadataStore(
        name="scratch",
        config=SQLiteMetadataStoreConfig(path=os.path.join(folder, "metadata.db")),
        flavor="sqlite",
    )
    scratch.initialize()
    scratch.create_run(
        run_id=run_id,
        name=run_name,
        pipeline=spec.name,
        stack_name=stack.name,
        stack={},
        spec=spec.to_dict(),
        parameters=spec.parameters,
        git_commit=None,
        git_dirty=None,
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    steps = [step.name for step in spec.steps]
    documents = step_manifests(stack, spec.name, run_id, steps)
    scratch.restore_steps(run_id, run_name, documents, {}, {}, [], default_time=utcnow())
    return attrs.evolve(stack, metadata_store=scratch)
