"""Base class of artifact stores: write-once folders addressed by URI."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from attrs import field, frozen

from zenml_core.errors import ArtifactStoreError
from zenml_core.stack.component import ComponentKind, StackComponent
from zenml_core.utils.hashing import hash_bytes

ConfigT = TypeVar("ConfigT")


@frozen
class StoredArtifact:
    """Where an artifact was written, how large it is and the hash of its content."""

    uri: str
    size: int
    content_hash: str
    files: dict[str, int] = field(factory=dict)  # each file's size, by path in the artifact


@frozen
class RemoteFile:
    """A file of an artifact that its save did not put into the staging folder: it already
    lies at ``url`` (an engine's worker wrote it there, or it belongs to a stored artifact),
    with the size and hash its writer recorded. A store copies it into the artifact without
    passing it through this process where it can (a server-side copy); others download it.
    The original is left where it is."""

    url: str
    size: int
    content_hash: str


# Fills an empty folder; may return, by relative path, hashes of files it already computed
# (see hash_files) and files it left where a worker wrote them (RemoteFile).
Save = Callable[[Path], "Mapping[str, str | RemoteFile] | None"]


def fetch_remote_files(folder: Path, known: Mapping[str, Any] | None) -> dict[str, str] | None:
    """For stores that cannot adopt a :class:`RemoteFile` in place: download each into
    ``folder`` (checked against its recorded size and hash; the original stays for its owner,
    a session's scratch space, to remove); the hashes of ``known`` with the downloaded ones."""
    if not isinstance(known, Mapping):
        return None
    hashes: dict[str, str] = {}
    for name, entry in known.items():
        if isinstance(entry, RemoteFile):
            from zenml_core.utils.locations import read_bytes

            data = read_bytes(entry.url)
            if len(data) != entry.size or hash_bytes(data) != entry.content_hash:
                raise ArtifactStoreError(
                    f"{entry.url} changed after its writer recorded it; run the step again"
                )
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            hashes[name] = entry.content_hash
        else:
            hashes[name] = entry
    return hashes


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

    def write(self, uri: str, save: Save) -> StoredArtifact:
        """Let ``save`` fill an empty folder, then publish it at ``uri`` in one atomic step."""
        raise NotImplementedError

    def write_outputs(self, step_uri: str, saves: Mapping[str, Save]) -> dict[str, StoredArtifact]:
        """Write a step's outputs as ``step_uri/<name>``, visible together or not at all.

        The artifact-write protocol: the outputs are written into one staging location named
        after the run and step (so whether it is still in use follows from the run's status),
        each artifact's files with their sizes recorded as they are written, and then
        committed together. This default writes them one by one (a crash between two leaves
        the first visible); stores that can commit a group override it.
        """
        return {name: self.write(f"{step_uri}/{name}", save) for name, save in saves.items()}

    def contains(self, uri: str) -> bool:
        """Whether ``uri`` lies inside this store's location (a store is its location)."""
        root = self.uri()
        parts = uri[len(root) :].split("/")
        return uri.startswith(root + "/") and ".." not in parts and "." not in parts

    def check_files(self, uri: str, size: int) -> str | None:
        """Why the artifact at ``uri`` cannot be used as recorded (``size`` bytes), or None.

        Cheap enough for every cache hit: files and sizes, no hashing (loading checks that).
        """
        return None if self.exists(uri) else "its files are gone"

    def collect_garbage(
        self, runs: Mapping[str, bool], used: AbstractSet[str], *, delete: bool
    ) -> list[str]:
        """Folders no recorded run uses (removed when ``delete``): runs not in ``runs`` (run
        id -> still running), and artifacts whose URI is not in ``used``. A running run is
        never touched; a step folder whose outputs all go goes with its manifest."""
        raise ArtifactStoreError(
            f"artifact store {self.name!r} cannot list its artifacts for garbage collection"
        )

    def clean_staging(self, is_live: Callable[[str], bool]) -> int:
        """Remove staging left by writers that died (``is_live(run_id)`` is false); the count."""
        return 0

    def local_path(self, uri: str) -> Path:
        """A local folder holding the artifact's files, for materializers to read."""
        raise NotImplementedError

    def file_sizes(self, uri: str) -> dict[str, int] | None:
        """Each file of the artifact at ``uri`` with its recorded size, for materializers that
        read an artifact where it lies (a Dataset's shards, by URL) instead of downloading
        it; None when the store cannot tell without reading the files."""
        return None

    def scratch_url(self) -> str | None:
        """Where an engine's workers away from this machine write files for this store (a URL
        inside it, e.g. ``gs://bucket/prefix/.tmp``), or None: the store is on this machine."""
        return None

    def local_root(self) -> Path | None:
        """The folder on this machine that holds the whole store (containers on this machine
        mount it at the same path), or None for a store elsewhere (steps reach it by its
        URIs)."""
        return None

    def exists(self, uri: str) -> bool:
        raise NotImplementedError

    def write_manifest(self, uri: str, document: dict[str, Any]) -> None:
        """Write ``manifest.json`` in folder ``uri`` atomically; it describes one step run."""
        raise NotImplementedError

    def write_text(self, uri: str, text: str) -> None:
        """Replace the text file ``uri`` (a step's log) in one step."""
        raise NotImplementedError

    def read_text(self, uri: str) -> str | None:
        """The text file ``uri``, or None if there is none."""
        raise NotImplementedError

    def read_manifest(self, uri: str) -> dict[str, Any]:
        raise NotImplementedError

    def manifest_folders(self) -> list[str]:
        """URIs of every folder holding a manifest: runs (``pipeline/run``) and step runs
        (``pipeline/run/step``)."""
        raise NotImplementedError
