"""The ``local`` artifact store flavor: a folder on this machine (by default ``.zen/artifacts``)."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from attrs import frozen

from zenml_core.artifact_stores.base import (
    ArtifactStoreError,
    BaseArtifactStore,
    StoredArtifact,
    check_name,
)
from zenml_core.utils.hashing import hash_folder

MANIFEST = "manifest.json"


def _rename_into(source: Path, target: Path, *, replace: bool = False) -> None:
    """Rename ``source`` to ``target``, creating the target's folders only when missing.

    Trying first saves a directory lookup per write: most targets' folders already exist.
    """
    rename = os.replace if replace else os.rename
    try:
        rename(source, target)
    except FileNotFoundError:
        if not source.exists():
            raise
        target.parent.mkdir(parents=True, exist_ok=True)
        rename(source, target)


@frozen
class LocalArtifactStoreConfig:
    """Configuration of the ``local`` artifact store.

    ``path`` is relative to the repository root unless absolute.
    """

    path: str = ".zen/artifacts"


class LocalArtifactStore(BaseArtifactStore[LocalArtifactStoreConfig]):
    """Keeps artifacts in a local folder; URIs are absolute paths inside it.

    Each artifact is written into ``<store>/.tmp/<random>/`` and renamed into place, so a
    crash never leaves a half-written artifact at its final URI. Files are not fsynced: the
    guarantee covers killed processes, not power loss.
    """

    @property
    def path(self) -> Path:
        """The absolute folder that holds the artifacts."""
        return self.resolve_path(self.config.path)

    def initialize(self) -> None:
        # Readable by the owner only (the user's umask can only take more away).
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)

    def uri(self, *parts: str) -> str:
        return str(self.path.joinpath(*(check_name(part) for part in parts)))

    def local_path(self, uri: str) -> Path:
        path = Path(uri)
        root = self.path
        if not path.is_absolute() or ".." in path.parts or not path.is_relative_to(root):
            raise ArtifactStoreError(f"{uri!r} is not inside the artifact store at {root}")
        return path

    def exists(self, uri: str) -> bool:
        return self.local_path(uri).exists()

    def _temporary(self) -> Path:
        folder = self.path / ".tmp" / uuid.uuid4().hex
        try:
            folder.mkdir()
        except FileNotFoundError:
            folder.mkdir(parents=True)
        return folder

    def _temporary_file(self) -> Path:
        path = self.path / ".tmp" / f"{uuid.uuid4().hex}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def write(self, uri: str, save: Callable[[Path], None]) -> StoredArtifact:
        final = self.local_path(uri)
        if final.exists():
            raise ArtifactStoreError(f"artifact {uri} already exists; artifacts are write-once")
        temporary = self._temporary()
        try:
            save(temporary)
            content_hash, size = hash_folder(temporary)
            try:
                _rename_into(temporary, final)  # atomic; refuses a non-empty target
            except OSError as exc:
                raise ArtifactStoreError(
                    f"artifact {uri} already exists; artifacts are write-once"
                ) from exc
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        return StoredArtifact(uri=uri, size=size, content_hash=content_hash)

    def write_manifest(self, uri: str, document: dict[str, Any]) -> None:
        folder = self.local_path(uri)
        temporary = self._temporary_file()
        temporary.write_text(json.dumps(document, indent=1, default=str), encoding="utf-8")
        _rename_into(temporary, folder / MANIFEST, replace=True)

    def manifest_folders(self) -> list[str]:
        patterns = (f"*/*/{MANIFEST}", f"*/*/*/{MANIFEST}")
        found = {path.parent for pattern in patterns for path in self.path.glob(pattern)}
        return sorted(str(folder) for folder in found if not folder.name.startswith("."))

    def read_manifest(self, uri: str) -> dict[str, Any]:
        path = self.local_path(uri) / MANIFEST
        try:
            document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ArtifactStoreError(f"no manifest at {path}") from None
        return document
