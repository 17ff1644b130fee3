"""Base class of orchestrators."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from zenml_core.stack.component import ComponentKind, StackComponent

if TYPE_CHECKING:
    from zenml_core.orchestrators.step_runner import RunContext, StepOutcome

ConfigT = TypeVar("ConfigT")


class BaseOrchestrator(StackComponent[ConfigT]):
    """Decides where and in what order a pipeline's steps run.

    An orchestrator never executes step logic itself: it calls
    :func:`zenml_core.orchestrators.step_runner.run_step` in-process, or starts
    ``python -m zenml_core.entrypoint`` elsewhere, which calls the same function. The run's
    record (created before, finished after) is handled by :func:`zenml_core.pipelines.run.run`.
    """

    KIND: ClassVar[ComponentKind] = ComponentKind.ORCHESTRATOR

    def run(self, context: RunContext) -> dict[str, StepOutcome]:
        """Run every step of ``context.spec``; return how each one that ran ended.

        A failed step must not stop independent branches; steps downstream of a failure are
        recorded as skipped with ``context.stack.metadata_store.skip_step``.
        """
        raise NotImplementedError

    @staticmethod
    def skip_dependants(context: RunContext, failed: str, skipped: set[str]) -> list[StepOutcome]:
        """Record every step downstream of ``failed`` as skipped (once); returns their outcomes."""
        from zenml_core.metadata_stores.records import StepStatus
        from zenml_core.orchestrators.step_runner import StepOutcome

        downstream = context.spec.downstream()
        outcomes = []
        pending = list(downstream[failed])
        while pending:
            name = pending.pop()
            if name in skipped:
                continue
            skipped.add(name)
            reason = f"upstream step {failed!r} failed"
            step_run_id = context.stack.metadata_store.skip_step(context.run_id, name, reason)
            context.reporter.step(name, f"skipped ({reason})")
            outcomes.append(StepOutcome(name, StepStatus.SKIPPED, step_run_id, 0.0, error=reason))
            pending.extend(downstream[name])
        return outcomes
