"""Base class of orchestrators."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from zenml_core.stack.component import ComponentKind, StackComponent

ConfigT = TypeVar("ConfigT")


class BaseOrchestrator(StackComponent[ConfigT]):
    """Runs a pipeline's steps through the step runner; running arrives with pipeline execution."""

    KIND: ClassVar[ComponentKind] = ComponentKind.ORCHESTRATOR
