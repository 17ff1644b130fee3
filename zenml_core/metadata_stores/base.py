"""Base class of metadata stores."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from zenml_core.stack.component import ComponentKind, StackComponent

ConfigT = TypeVar("ConfigT")


class BaseMetadataStore(StackComponent[ConfigT]):
    """Records runs and lineage. The run and step tables arrive with pipeline execution."""

    KIND: ClassVar[ComponentKind] = ComponentKind.METADATA_STORE

    def schema_version(self) -> int | None:
        """The schema version stored in the database, or None if it was never initialized."""
        raise NotImplementedError
