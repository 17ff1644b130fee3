"""The ``Stack``: one artifact store, one metadata store, one orchestrator, optional backends."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import frozen

from zenml_core.errors import WrongComponentKindError
from zenml_core.stack.component import ComponentKind, StackComponent

if TYPE_CHECKING:
    from zenml_core.artifact_stores.base import BaseArtifactStore
    from zenml_core.backends.base import BaseProcessingBackend, BaseTrainingBackend
    from zenml_core.metadata_stores.base import BaseMetadataStore
    from zenml_core.orchestrators.base import BaseOrchestrator


@frozen
class Stack:
    """A set of configured components that a pipeline run uses.

    Build one from ``.zen/config.yaml`` with :func:`zenml_core.stack.builder.load_stack`
    (environment variables override it), or directly from keyword arguments::

        Stack(name="scratch", artifact_store=LocalArtifactStore(...), ...)
    """

    name: str
    artifact_store: BaseArtifactStore[Any]
    metadata_store: BaseMetadataStore[Any]
    orchestrator: BaseOrchestrator[Any]
    processing_backend: BaseProcessingBackend[Any] | None = None
    training_backend: BaseTrainingBackend[Any] | None = None

    def __attrs_post_init__(self) -> None:
        for kind, component in self.components.items():
            if not isinstance(component, StackComponent) or component.KIND is not kind:
                raise WrongComponentKindError(
                    f"stack {self.name!r}: the {kind.value} slot takes {kind.noun} components, "
                    f"got {component!r}"
                )

    @property
    def components(self) -> dict[ComponentKind, StackComponent[Any]]:
        """The components that are set, keyed by kind, in a stable order."""
        found = {kind: getattr(self, kind.value) for kind in ComponentKind}
        return {kind: component for kind, component in found.items() if component is not None}

    def initialize(self) -> None:
        """Prepare every component for use (idempotent)."""
        for component in self.components.values():
            component.initialize()
