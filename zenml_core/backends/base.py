"""Base classes of processing backends and training backends (step operators)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from zenml_core.stack.component import ComponentKind, StackComponent

if TYPE_CHECKING:
    from zenml_core.backends.processing import ProcessingSession
    from zenml_core.execution.context import RunContext, StepOutcome

ConfigT = TypeVar("ConfigT")


class BaseProcessingBackend(StackComponent[ConfigT]):
    """Runs the data-processing work of steps that ask for it on an engine (a local pool,
    Dask, Beam). The step's own code stays where the orchestrator runs it; it sends shard
    functions to the engine through the session (see ``zenml_core.backends.processing``)."""

    KIND: ClassVar[ComponentKind] = ComponentKind.PROCESSING_BACKEND

    def session(
        self,
        *,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        scratch_url: str | None = None,
    ) -> ProcessingSession:
        """A session for one step: ``settings`` are the step's settings under this flavor's
        key; result shards go below ``scratch_root`` (the artifact store's folder) when given,
        or, for engines whose workers are elsewhere, below ``scratch_url`` (the store's
        :meth:`~zenml_core.artifact_stores.base.BaseArtifactStore.scratch_url`).
        Start nothing here: the session starts its engine when the step first uses it."""
        raise NotImplementedError


class BaseTrainingBackend(StackComponent[ConfigT]):
    """Runs training steps on dedicated hardware (a step operator, e.g. a Vertex custom job)."""

    KIND: ClassVar[ComponentKind] = ComponentKind.TRAINING_BACKEND

    def run_step(self, context: RunContext, step_name: str) -> StepOutcome:
        """Run the step on the backend and return how it ended, recorded in the metadata store.

        Called when the step is not cached and its inputs exist. The backend's job runs
        ``python -m zenml_core.entrypoint ... --on-training-backend``.
        """
        raise NotImplementedError
