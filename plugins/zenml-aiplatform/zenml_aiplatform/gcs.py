"""The ``gcs`` artifact store flavor: artifacts in a Google Cloud Storage bucket (via gcsfs).

Object stores have no atomic folder rename, so write-once comes from the order of uploads:
an artifact's files are uploaded one object each, then a completion marker object is written
last (its size, content hash and each file's size). Until the marker exists the artifact does
not exist (``exists`` is false, a retry may overwrite the files), so a writer killed half-way
leaves nothing visible. A step's outputs share one marker, ``<step>/.zenml-outputs``, written
after all their files: they become visible together. Manifests are single objects, written in
one upload.

Reading downloads an artifact once into a local cache folder (keyed by URI and content hash):
artifacts never change, so the cached copy stays valid.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from typing import Any

from zenml_aiplatform.config import GCSArtifactStoreConfig
from zenml_core.artifact_stores.base import (
    BaseArtifactStore,
    RemoteFile,
    Save,
    StoredArtifact,
    check_name,
    fetch_remote_files,
)
from zenml_core.errors import ArtifactStoreError
from zenml_core.utils.hashing import hash_files

COMPLETE = ".zenml-complete"  # one artifact written on its own
OUTPUTS = ".zenml-outputs"  # the outputs of one step, committed together
MANIFEST = "manifest.json"
PROTOCOL = "gs://"


class GCSArtifactStore(BaseArtifactStore[GCSArtifactStoreConfig]):
    """Keeps artifacts under ``path`` (``gs://bucket/prefix``); URIs are ``gs://`` URLs."""

    @property
    def root_url(self) -> str:
        path = self.config.path.rstrip("/")
        if not path.startswith(PROTOCOL) or len(path) <= len(PROTOCOL):
            raise ArtifactStoreError(
                f"artifact store {self.name!r}: path {self.config.path!r} is not a gs:// URL; "
                "use gs://BUCKET or gs://BUCKET/PREFIX"
            )
        return path

    @cached_property
    def fs(self) -> Any:
        """The gcsfs file system; listings are not cached (other processes write too)."""
        os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
        import gcsfs

        return gcsfs.GCSFileSystem(
            project=self.config.project, token=self.config.token, use_listings_cache=False
        )

    @property
    def cache_folder(self) -> Path:
        configured = self.config.cache_dir
        if configured:
            return self.resolve_path(configured)
        return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "zenml" / "gcs"

    def initialize(self) -> None:
        bucket = self.root_url[len(PROTOCOL) :].split("/", 1)[0]
        if not self.fs.exists(bucket):
            raise ArtifactStoreError(
                f"artifact store {self.name!r}: bucket {bucket!r} does not exist or is not "
                f"readable with these credentials; create it (`gcloud storage buckets create "
                f"gs://{bucket}`) or fix the store's project/token"
            )

    def uri(self, *parts: str) -> str:
        return "/".join([self.root_url, *(check_name(part) for part in parts)])

    def _inside(self, uri: str) -> str:
        if not uri.startswith(self.root_url + "/") or "/../" in uri + "/" or "/./" in uri + "/":
            raise ArtifactStoreError(f"{uri!r} is not inside the artifact store at {self.root_url}")
        return uri

    def _marker(self, uri: str) -> dict[str, Any] | None:
        """What the artifact's completion marker records, or None: not (yet) written."""
        try:
            marker: dict[str, Any] = json.loads(self.fs.cat_file(f"{uri}/{COMPLETE}"))
            return marker
        except FileNotFoundError:
            pass
        step_uri, _, name = uri.rpartition("/")
        try:
            group = json.loads(self.fs.cat_file(f"{step_uri}/{OUTPUTS}"))
        except FileNotFoundError:
            return None
        found: dict[str, Any] | None = group.get(name)
        return found

    def exists(self, uri: str) -> bool:
        return self._marker(self._inside(uri)) is not None

    def _upload(self, staged: Path, uri: str, known: Mapping[str, Any] | None) -> StoredArtifact:
        """Upload the staged files; files a worker already wrote into the bucket (RemoteFile)
        are copied there server-side, not through this process."""
        known = known if isinstance(known, Mapping) else {}
        remote = {
            name: entry
            for name, entry in known.items()
            if isinstance(entry, RemoteFile) and entry.url.startswith(PROTOCOL)
        }
        others = fetch_remote_files(staged, {n: e for n, e in known.items() if n not in remote})
        content_hash, size, files = hash_files(staged, {**(others or {}), **remote})
        for name in files:
            if name in remote:
                self.fs.copy(remote[name].url, f"{uri}/{name}")
            else:
                self.fs.put_file(str(staged / name), f"{uri}/{name}")
        return StoredArtifact(uri=uri, size=size, content_hash=content_hash, files=files)

    @staticmethod
    def _describe(stored: StoredArtifact) -> dict[str, Any]:
        return {"size": stored.size, "content_hash": stored.content_hash, "files": stored.files}

    def write(self, uri: str, save: Save) -> StoredArtifact:
        self._inside(uri)
        if self.exists(uri):
            raise ArtifactStoreError(f"artifact {uri} already exists; artifacts are write-once")
        with tempfile.TemporaryDirectory(prefix="zenml-gcs-") as folder:
            stored = self._upload(Path(folder), uri, save(Path(folder)))
            if self.exists(uri):  # another writer finished first
                raise ArtifactStoreError(f"artifact {uri} already exists; artifacts are write-once")
            self.fs.pipe_file(f"{uri}/{COMPLETE}", json.dumps(self._describe(stored)).encode())
        return stored

    def write_outputs(self, step_uri: str, saves: Mapping[str, Save]) -> dict[str, StoredArtifact]:
        if not saves:
            return {}
        self._inside(step_uri)
        group = f"{step_uri}/{OUTPUTS}"
        if self.fs.exists(group) or any(self.exists(f"{step_uri}/{n}") for n in saves):
            raise ArtifactStoreError(
                f"step outputs at {step_uri} already exist; artifacts are write-once"
            )
        stored = {}
        with tempfile.TemporaryDirectory(prefix="zenml-gcs-") as folder:
            for name, save in saves.items():
                staged = Path(folder) / check_name(name)
                staged.mkdir()
                stored[name] = self._upload(staged, f"{step_uri}/{name}", save(staged))
        if self.fs.exists(group):  # another writer finished first
            raise ArtifactStoreError(
                f"step outputs at {step_uri} already exist; artifacts are write-once"
            )
        markers = {name: self._describe(artifact) for name, artifact in stored.items()}
        self.fs.pipe_file(group, json.dumps(markers).encode())  # the commit: one object
        return stored

    def check_files(self, uri: str, size: int) -> str | None:
        marker = self._marker(self._inside(uri))
        if marker is None:
            return "its completion marker is gone"
        listed = marker.get("files")
        if not isinstance(listed, dict):  # written before file lists were recorded
            return None if marker.get("size") == size else "its size differs from the record"
        prefix = uri[len(PROTOCOL) :] + "/"
        found = {
            name[len(prefix) :]: info["size"]
            for name, info in self.fs.find(uri, detail=True).items()
        }
        for name, expected in listed.items():
            if name not in found:
                return f"its file {name} is gone"
            if found[name] != expected:
                return f"its file {name} holds {found[name]} bytes, not {expected}"
        return None

    def file_sizes(self, uri: str) -> dict[str, int] | None:
        """What the completion marker lists: a Dataset input is read shard by shard from
        the bucket instead of being downloaded whole."""
        marker = self._marker(self._inside(uri))
        listed = marker.get("files") if marker is not None else None
        return dict(listed) if isinstance(listed, dict) else None

    def scratch_url(self) -> str:
        return f"{self.root_url}/.tmp"

    def local_path(self, uri: str) -> Path:
        """A local copy of the artifact's files, downloaded on first use."""
        marker = self._marker(self._inside(uri))
        if marker is None:
            raise ArtifactStoreError(f"no artifact at {uri}")
        # Keyed by content too: a bucket emptied and written again must not hit old copies.
        key = hashlib.sha256(f"{uri}\n{marker['content_hash']}".encode()).hexdigest()[:32]
        cached = self.cache_folder / key
        if cached.exists():
            return cached
        self.cache_folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=self.cache_folder))
        try:
            prefix = uri[len(PROTOCOL) :] + "/"
            for name in self.fs.find(uri):
                relative = name[len(prefix) :]
                if relative in (COMPLETE, OUTPUTS):
                    continue
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                self.fs.get_file(name, str(target))
            os.rename(staging, cached)
        except OSError:
            if not cached.exists():
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)  # gone already unless another won
        return cached

    def write_manifest(self, uri: str, document: dict[str, Any]) -> None:
        data = json.dumps(document, separators=(",", ":"), default=str).encode()
        self.fs.pipe_file(f"{self._inside(uri)}/{MANIFEST}", data)

    def write_text(self, uri: str, text: str) -> None:
        self.fs.pipe_file(self._inside(uri), text.encode("utf-8"))

    def read_text(self, uri: str) -> str | None:
        try:
            data: bytes = self.fs.cat_file(self._inside(uri))
        except FileNotFoundError:
            return None
        return data.decode("utf-8", errors="replace")

    def read_manifest(self, uri: str) -> dict[str, Any]:
        try:
            document: dict[str, Any] = json.loads(
                self.fs.cat_file(f"{self._inside(uri)}/{MANIFEST}")
            )
        except FileNotFoundError:
            raise ArtifactStoreError(f"no manifest at {uri}/{MANIFEST}") from None
        return document

    def manifest_folders(self) -> list[str]:
        found = set()
        for pattern in (f"{self.root_url}/*/*/{MANIFEST}", f"{self.root_url}/*/*/*/{MANIFEST}"):
            for name in self.fs.glob(pattern):
                folder = PROTOCOL + name.rsplit("/", 1)[0]
                if not folder.rsplit("/", 1)[1].startswith("."):
                    found.add(folder)
        return sorted(found)
