"""Runs that go on elsewhere: submitted to a remote orchestrator, followed through it.

An orchestrator that submits a run and does not wait returns :class:`Submitted` from
``run()``; the run stays ``running`` with the remote id recorded, and is not reaped for lack
of heartbeats. Reading runs (``Client.runs``/``Client.run``, so ``zenml runs list/show``) asks
the orchestrator for the remote state with :meth:`BaseOrchestrator.remote_state` and closes
the run once the remote run has ended (:func:`zenml_core.execution.lifecycle.follow_remote_runs`).

Steps that cannot reach the stack's metadata store (a local SQLite file) record into a scratch
store (:func:`zenml_core.execution.invocation.with_scratch_metadata`) and leave their step
manifest in the artifact store; :func:`import_step_manifests`
brings those into the metadata store after the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from attrs import frozen

from zenml_core.execution.context import StepStatus

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome


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
    from zenml_core.manifests import run_step_manifests
    from zenml_core.metadata_stores.rebuild import drop_untrusted_outputs
    from zenml_core.pipelines.spec import item_names

    metadata = context.stack.metadata_store
    spec = context.spec
    records = metadata.list_step_runs(context.run_id)
    recorded = {step.name for step in records}
    # the steps, and the items of mapped steps whose split is recorded here already
    names = [step.name for step in spec.steps]
    for record in records:
        if record.name in context.mapped_steps:
            names += item_names(spec, record.name, metadata.step_run_outputs(record.id))
    store = context.stack.artifact_store
    documents = run_step_manifests(store, spec, context.run_id, names, skip=recorded)
    if documents:
        # Inputs made by steps recorded here already (run locally, cached) link by URI too.
        known = {
            artifact.uri: artifact.id
            for record in records
            for artifact in metadata.step_run_outputs(record.id).values()
        }
        problems: list[str] = []
        documents = drop_untrusted_outputs(documents, _spec_materializers(context), problems)
        metadata.restore_steps(context.run_id, context.run_name, documents, {}, known, problems)
        for problem in problems:
            context.reporter.line(f"warning: {problem}")
    return [document.step for document in documents]


def outcomes_after_remote_run(
    context: RunContext, seconds: float, *, error: str | None, not_reached: str
) -> dict[str, StepOutcome]:
    """How each step ended once the remote run is over, from the record (manifests imported
    first). A step with no record failed with the remote ``error`` if everything it needs
    completed, otherwise it is recorded skipped; ``not_reached`` says why when the run did
    not fail at all (the remote service stopped early)."""
    from zenml_core.execution.context import StepOutcome
    from zenml_core.orchestrators.external import outcome_from_record
    from zenml_core.pipelines.spec import item_names

    import_step_manifests(context)
    metadata = context.stack.metadata_store
    recorded = {step.name for step in metadata.list_step_runs(context.run_id)}
    outcomes: dict[str, StepOutcome] = {}
    failed_maps: set[str] = set()  # mapped steps with a failed item
    for step in context.spec.steps:
        if step.name in recorded:
            outcomes[step.name] = outcome_from_record(context, step.name, 0, [], seconds)
            for item in item_names(context.spec, step.name, outcomes[step.name].outputs):
                if item in recorded:  # a mapped step's items: a failed one stops what follows
                    outcomes[item] = outcome_from_record(context, item, 0, [], seconds)
                    if outcomes[item].status == StepStatus.FAILED:
                        failed_maps.add(step.name)
            continue
        stopped = [
            u for u in step.upstream
            if outcomes[u].status in (StepStatus.FAILED, StepStatus.SKIPPED) or u in failed_maps
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
