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
