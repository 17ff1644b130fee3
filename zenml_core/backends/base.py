"""Base classes of processing backends and training backends (step operators)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, TypeVar

from zenml_core.stack.component import ComponentKind, StackComponent

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome

ConfigT = TypeVar("ConfigT")


class BaseProcessingBackend(StackComponent[ConfigT]):
    """Runs data-processing steps somewhere other than the orchestrator's own workers."""

    KIND: ClassVar[ComponentKind] = ComponentKind.PROCESSING_BACKEND


class BaseTrainingBackend(StackComponent[ConfigT]):
    """Runs training steps on dedicated hardware (a step operator, e.g. a Vertex custom job)."""

    KIND: ClassVar[ComponentKind] = ComponentKind.TRAINING_BACKEND

    def run_step(self, context: RunContext, step_name: str) -> StepOutcome:
        """Run the step on the backend and return how it ended, recorded in the metadata store.

        Called when the step is not cached and its inputs exist. The backend's job runs
        ``python -m zenml_core.entrypoint ... --on-training-backend``.
        """
        raise NotImplementedError
