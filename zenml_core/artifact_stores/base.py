"""Base class of artifact stores."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from zenml_core.stack.component import ComponentKind, StackComponent

ConfigT = TypeVar("ConfigT")


class BaseArtifactStore(StackComponent[ConfigT]):
    """Stores step outputs under URIs. Reading and writing arrive with pipeline execution."""

    KIND: ClassVar[ComponentKind] = ComponentKind.ARTIFACT_STORE
