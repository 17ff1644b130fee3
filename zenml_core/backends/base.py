"""Base classes of processing backends and training backends (step operators)."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from zenml_core.stack.component import ComponentKind, StackComponent

ConfigT = TypeVar("ConfigT")


class BaseProcessingBackend(StackComponent[ConfigT]):
    """Runs data-processing steps somewhere other than the orchestrator's own workers."""

    KIND: ClassVar[ComponentKind] = ComponentKind.PROCESSING_BACKEND


class BaseTrainingBackend(StackComponent[ConfigT]):
    """Runs training steps on dedicated hardware (a step operator, e.g. a Vertex custom job)."""

    KIND: ClassVar[ComponentKind] = ComponentKind.TRAINING_BACKEND
