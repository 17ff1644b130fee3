"""Writing values as artifacts, and reading them back verified: a value is loaded only once
its files match the record (size and content hash), and a cached result is reused only if the
active artifact store holds it intact. The one place both checks live, for the step runner,
the client and resume.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_core.errors import ArtifactIntegrityError
from zenml_core.materializers.base import BaseMaterializer
from zenml_core.materializers.registry import load_materializer, save_value, type_path
from zenml_core.metadata_stores.records import ArtifactRecord, NewArtifact
from zenml_core.steps.signature import runtime_class
from zenml_core.utils.hashing import hash_folder, hash_listing
from zenml_core.utils.imports import import_object

if TYPE_CHECKING:
    from zenml_core.artifact_stores.base import Save
    from zenml_core.materializers.registry import MaterializerRegistry


def write_artifacts(
    store: Any,
    materializers: MaterializerRegistry,
    folder_uri: str,
    values: Mapping[str, Any],
    declared: Mapping[str, str | None] | None = None,
) -> list[NewArtifact]:
    """Write each value as the artifact ``folder_uri/<name>`` through its materializer (the
    one ``declared`` names, else the one its type finds), committed together; what to
    record for each."""
    declared = declared or {}
    chosen: dict[str, str] = {}

    def saver(name: str, value: Any) -> Save:
        def save(folder: Path) -> Mapping[str, str] | None:
            chosen[name], known = save_value(materializers, value, folder, declared.get(name))
            return known

        return save

    stored = store.write_outputs(folder_uri, {n: saver(n, v) for n, v in values.items()})
    return [
        NewArtifact(
            output_name=name,
            uri=stored[name].uri,
            type=type_path(type(value)),
            materializer=load_materializer(chosen[name]).identity(),
            size=stored[name].size,
            content_hash=stored[name].content_hash,
        )
        for name, value in values.items()
    ]


def verified_path(
    store: Any, artifact: ArtifactRecord, materializer: type[BaseMaterializer]
) -> Path:
    """The artifact's local folder, after checking its size and content hash against the
    record (before any materializer, pickle above all, reads a byte of it). Files whose hashes
    the materializer records itself (a Dataset's shards) are checked when it reads them."""
    folder = Path(store.local_path(artifact.uri))
    try:
        known = materializer.file_hashes(folder)
        found, size = hash_folder(folder, known)
    except (FileNotFoundError, NotADirectoryError):
        raise ArtifactIntegrityError(f"{_name(artifact)}: its files are gone") from None
    _check_content(artifact, found, size)
    return folder


def verified_location(
    store: Any, artifact: ArtifactRecord, materializer: type[BaseMaterializer]
) -> str | Path:
    """Where the materializer reads the artifact from: its URL, for a materializer that reads
    in place from a store that lists file sizes (checked against the record from the listing,
    the hashes the materializer keeps and the other, small, files); else its local folder
    (:func:`verified_path`)."""
    sizes = None
    if materializer.READS_IN_PLACE and store.local_root() is None:
        sizes = store.file_sizes(artifact.uri)
    if sizes is None:
        return verified_path(store, artifact, materializer)
    from zenml_core.utils.locations import join, read_bytes

    url = artifact.uri
    try:
        found, size = hash_listing(
            sizes, materializer.file_hashes(url), lambda name: read_bytes(join(url, name))
        )
    except FileNotFoundError:
        raise ArtifactIntegrityError(f"{_name(artifact)}: its files are gone") from None
    _check_content(artifact, found, size)
    return url


def _check_content(artifact: ArtifactRecord, found: str, size: int) -> None:
    if found != artifact.content_hash or size != artifact.size:
        raise ArtifactIntegrityError(
            f"{_name(artifact)} changed after it was written: recorded {artifact.content_hash} "
            f"({artifact.size} bytes), found {found} ({size} bytes); run the producing step "
            "again (`zenml runs resume`, or a run with caching off)"
        )


def _name(artifact: ArtifactRecord) -> str:
    return f"artifact {artifact.id} (output {artifact.output_name!r}) at {artifact.uri}"


def load_artifact(store: Any, artifact: ArtifactRecord, annotation: Any = None) -> Any:
    """Read an artifact's value with the materializer that wrote it, once verified."""
    materializer = load_materializer(artifact.materializer.partition("@")[0])
    data_type: Any = runtime_class(annotation) if annotation is not None else None
    if data_type is None:
        try:
            data_type = import_object(artifact.type, what="artifact type")
        except Exception:
            data_type = object
    location = verified_location(store, artifact, materializer)
    return materializer().load(location, data_type)  # type: ignore[arg-type]


def unusable_reason(store: Any, outputs: dict[str, ArtifactRecord]) -> str | None:
    """Why cached ``outputs`` cannot be reused with this artifact store, or None.

    A cached result is usable when it lies inside the active store's location and every file
    is there with its recorded size (hashes are checked when a value is loaded).
    """
    for name, artifact in sorted(outputs.items()):
        if not store.contains(artifact.uri):
            return (
                f"cached output {name!r} is at {artifact.uri}, outside the active artifact "
                f"store {store.name!r} ({store.uri()})"
            )
        problem = store.check_files(artifact.uri, artifact.size)
        if problem is not None:
            return f"cached output {name!r} at {artifact.uri} cannot be used: {problem}"
    return None
