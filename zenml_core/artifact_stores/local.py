"""The ``local`` artifact store flavor: a folder on this machine (by default ``.zen/artifacts``)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from functools import cached_property
from pathlib import Path
from typing import Any

from attrs import frozen

from zenml_core.artifact_stores.base import (
    BaseArtifactStore,
    Save,
    StoredArtifact,
    check_name,
    fetch_remote_files,
)
from zenml_core.errors import ArtifactStoreError
from zenml_core.utils.hashing import ARTIFACT_MANIFEST, hash_files

MANIFEST = "manifest.json"
STAGING = ".staging"  # <pipeline>/<run id>/<step>: a step's outputs before they are committed
TMP = ".tmp"  # single artifacts and manifests before their rename


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

    A step's outputs are written into ``<store>/.staging/<pipeline>/<run id>/<step>/`` and the
    folder is renamed into place in one step, so a crash never leaves a half-written artifact,
    nor one output of two, at a final URI. Each artifact folder holds a small list of its files
    and sizes (``.zenml-artifact.json``) for cheap checks on cache hits. Files are not fsynced:
    the guarantee covers killed processes, not power loss.
    """

    @cached_property
    def path(self) -> Path:
        """The absolute folder that holds the artifacts (resolved once: every step asks)."""
        return self.resolve_path(self.config.path)

    def local_root(self) -> Path:
        return self.path

    def initialize(self) -> None:
        # Readable by the owner only (the user's umask can only take more away).
        self.path.mkdir(mode=0o700, parents=True, exist_ok=True)

    def uri(self, *parts: str) -> str:
        return str(self.path.joinpath(*(check_name(part) for part in parts)))

    @cached_property
    def _root_text(self) -> str:
        return str(self.path)

    def _inside(self, uri: str) -> str:
        """``uri`` as a normalised path, if it lies inside the store (string operations: a
        cached step checks its outputs' paths, and pathlib costs more than the check)."""
        root = self._root_text
        path = os.path.normpath(uri)
        if (
            not os.path.isabs(uri)
            or ".." in uri.split(os.sep)
            or not (path == root or path.startswith(root.rstrip(os.sep) + os.sep))
        ):
            raise ArtifactStoreError(f"{uri!r} is not inside the artifact store at {root}")
        return path

    def local_path(self, uri: str) -> Path:
        return Path(self._inside(uri))

    def exists(self, uri: str) -> bool:
        return os.path.exists(self._inside(uri))

    def check_files(self, uri: str, size: int) -> str | None:
        folder = self._inside(uri)
        file_list = os.path.join(folder, ARTIFACT_MANIFEST)
        try:
            with open(file_list, "rb") as stream:
                listed = json.loads(stream.read())["files"]
        except FileNotFoundError:
            if not os.path.isdir(folder):
                return "its files are gone"
            found = sum(p.stat().st_size for p in Path(folder).rglob("*") if p.is_file())
            return None if found == size else f"its files hold {found} bytes, not {size}"
        except (ValueError, KeyError, OSError):
            return f"its file list {file_list} is unreadable"
        for name, expected in listed.items():
            try:
                found = os.stat(os.path.join(folder, name)).st_size
            except FileNotFoundError:
                return f"its file {name} is gone"
            if found != expected:
                return f"its file {name} holds {found} bytes, not {expected}"
        return None

    def _temporary(self) -> Path:
        folder = self.path / TMP / uuid.uuid4().hex
        try:
            folder.mkdir()
        except FileNotFoundError:
            folder.mkdir(parents=True)
        return folder

    def _temporary_file(self) -> Path:
        path = self.path / TMP / f"{uuid.uuid4().hex}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @staticmethod
    def _seal(folder: Path, uri: str, known: Mapping[str, Any] | None) -> StoredArtifact:
        """Hash the artifact's files and list them with their sizes beside them."""
        content_hash, size, files = hash_files(folder, fetch_remote_files(folder, known))
        listing = {"format": 1, "content_hash": content_hash, "size": size, "files": files}
        (folder / ARTIFACT_MANIFEST).write_text(json.dumps(listing), encoding="utf-8")
        return StoredArtifact(uri=uri, size=size, content_hash=content_hash, files=files)

    def write(self, uri: str, save: Save) -> StoredArtifact:
        final = self.local_path(uri)
        if final.exists():
            raise ArtifactStoreError(f"artifact {uri} already exists; artifacts are write-once")
        temporary = self._temporary()
        try:
            stored = self._seal(temporary, uri, save(temporary))
            try:
                _rename_into(temporary, final)  # atomic; refuses a non-empty target
            except OSError as exc:
                raise ArtifactStoreError(
                    f"artifact {uri} already exists; artifacts are write-once"
                ) from exc
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        return stored

    def write_outputs(self, step_uri: str, saves: Mapping[str, Save]) -> dict[str, StoredArtifact]:
        if not saves:
            return {}
        final = self.local_path(step_uri)
        staging = self.path / STAGING / final.relative_to(self.path)
        try:
            try:
                staging.mkdir(parents=True)
            except FileExistsError:  # an earlier attempt at this step of this run died
                shutil.rmtree(staging)
                staging.mkdir()
        except OSError as exc:
            raise ArtifactStoreError(
                f"cannot write the outputs of {step_uri}: {exc.strerror} ({exc.filename})"
            ) from exc
        try:
            stored = {}
            for name, save in saves.items():
                folder = staging / check_name(name)
                folder.mkdir()
                stored[name] = self._seal(folder, f"{step_uri}/{name}", save(folder))
            self._commit(staging, final, step_uri)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return stored

    def _commit(self, staging: Path, final: Path, step_uri: str) -> None:
        """Rename the staged step folder into place; a leftover of a failed attempt (only its
        manifest) is replaced, committed outputs never are."""
        try:
            _rename_into(staging, final)
            return
        except OSError:
            if not final.is_dir():
                raise
        if any(entry.is_dir() for entry in final.iterdir()):
            raise ArtifactStoreError(
                f"step outputs at {step_uri} already exist; artifacts are write-once"
            )
        leftover = self._temporary()
        os.rename(final, leftover / "step")
        os.rename(staging, final)
        shutil.rmtree(leftover, ignore_errors=True)

    def clean_staging(self, is_live: Callable[[str], bool]) -> int:
        removed = 0
        for run_folder in self.path.glob(f"{STAGING}/*/*"):
            if not is_live(run_folder.name):
                shutil.rmtree(run_folder, ignore_errors=True)
                removed += 1
        # Temporary folders of single writes and manifests: no writer keeps one for an hour.
        stale = time.time() - 3600
        for entry in self.path.glob(f"{TMP}/*"):
            with contextlib.suppress(OSError):
                if entry.lstat().st_mtime < stale:
                    shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
                    removed += 1
        return removed

    def collect_garbage(
        self, runs: Mapping[str, bool], used: AbstractSet[str], *, delete: bool
    ) -> list[str]:
        found = []
        for run_folder in sorted(self.path.glob("*/*")):
            if run_folder.parent.name.startswith(".") or not run_folder.is_dir():
                continue
            running = runs.get(run_folder.name)
            if running:
                continue
            if running is None:
                found.append(str(run_folder))
                continue
            for step_folder in sorted(run_folder.iterdir()):
                if step_folder.name.startswith(".") or not step_folder.is_dir():
                    continue
                outputs = [p for p in sorted(step_folder.iterdir()) if p.is_dir()]
                unused = [p for p in outputs if str(p) not in used]
                if outputs and len(unused) == len(outputs):
                    found.append(str(step_folder))  # with the step's manifest
                else:
                    found += [str(p) for p in unused]
        if delete:
            for uri in found:
                shutil.rmtree(uri, ignore_errors=True)
        return found

    def write_manifest(self, uri: str, document: dict[str, Any]) -> None:
        folder = self.local_path(uri)
        temporary = self._temporary_file()
        temporary.write_text(
            json.dumps(document, separators=(",", ":"), default=str), encoding="utf-8"
        )
        _rename_into(temporary, folder / MANIFEST, replace=True)

    def write_text(self, uri: str, text: str) -> None:
        temporary = self._temporary_file()
        temporary.write_text(text, encoding="utf-8")
        _rename_into(temporary, self.local_path(uri), replace=True)

    def read_text(self, uri: str) -> str | None:
        try:
            return self.local_path(uri).read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return None

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
