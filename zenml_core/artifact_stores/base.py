"""Base class of artifact stores: write-once folders addressed by URI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from attrs import frozen

from zenml_core.errors import ZenMLError
from zenml_core.stack.component import ComponentKind, StackComponent

ConfigT = TypeVar("ConfigT")


class ArtifactStoreError(ZenMLError):
    """An artifact URI is invalid, outside the store, missing, or already written."""


@frozen
class StoredArtifact:
    """Where an artifact was written, how large it is and the hash of its content."""

    uri: str
    size: int
    content_hash: str


def check_name(part: str) -> str:
    """A path segment chosen by users (pipeline, step, output): no separators, no '..'."""
    if not part or part in {".", ".."} or any(c in part for c in "/\\\0"):
        raise ArtifactStoreError(
            f"{part!r} cannot be part of an artifact path; use names without '/', '\\\\' or '..'"
        )
    return part


class BaseArtifactStore(StackComponent[ConfigT]):
    """Stores step outputs as folders. Writes are atomic and write-once."""

    KIND: ClassVar[ComponentKind] = ComponentKind.ARTIFACT_STORE

    def uri(self, *parts: str) -> str:
        """The URI of the artifact (or manifest folder) named by ``parts`` in this store."""
        raise NotImplementedError

    def write(self, uri: str, save: Callable[[Path], None]) -> StoredArtifact:
        """Let ``save`` fill an empty folder, then publish it at ``uri`` in one atomic step."""
        raise NotImplementedError

    def local_path(self, uri: str) -> Path:
        """A local folder holding the artifact's files, for materializers to read."""
        raise NotImplementedError

    def exists(self, uri: str) -> bool:
        raise NotImplementedError

    def write_manifest(self, uri: str, document: dict[str, Any]) -> None:
        """Write ``manifest.json`` in folder ``uri`` atomically; it describes one step run."""
        raise NotImplementedError

    def read_manifest(self, uri: str) -> dict[str, Any]:
        raise NotImplementedError

    def manifest_folders(self) -> list[str]:
        """URIs of every folder holding a manifest: runs (``pipeline/run``) and step runs
        (``pipeline/run/step``)."""
        raise NotImplementedError
