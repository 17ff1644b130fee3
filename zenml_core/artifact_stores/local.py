"""The ``local`` artifact store flavor: a folder on this machine (by default ``.zen/artifacts``)."""

from __future__ import annotations

from pathlib import Path

from attrs import frozen

from zenml_core.artifact_stores.base import BaseArtifactStore


@frozen
class LocalArtifactStoreConfig:
    """Configuration of the ``local`` artifact store.

    ``path`` is relative to the repository root unless absolute.
    """

    path: str = ".zen/artifacts"


class LocalArtifactStore(BaseArtifactStore[LocalArtifactStoreConfig]):
    """Keeps artifacts in a local folder."""

    @property
    def path(self) -> Path:
        """The absolute folder that holds the artifacts."""
        return self.resolve_path(self.config.path)

    def initialize(self) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
