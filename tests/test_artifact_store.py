"""The local artifact store beyond the conformance suite (tests/test_conformance.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from zenml_core.artifact_stores.local import LocalArtifactStore, LocalArtifactStoreConfig
from zenml_core.errors import ArtifactStoreError


@pytest.fixture
def store(tmp_path: Path) -> LocalArtifactStore:
    store = LocalArtifactStore(name="s", config=LocalArtifactStoreConfig(path="art"), root=tmp_path)
    store.initialize()
    return store


def write_text(text: str):  # type: ignore[no-untyped-def]
    return lambda folder: (folder / "data.txt").write_text(text)


def test_hash_depends_on_content_and_names(store: LocalArtifactStore) -> None:
    a = store.write(store.uri("p", "r", "s", "a"), write_text("same"))
    b = store.write(store.uri("p", "r", "s", "b"), write_text("same"))
    c = store.write(store.uri("p", "r", "s", "c"), write_text("other"))
    d = store.write(store.uri("p", "r", "s", "d"), lambda f: (f / "renamed.txt").write_text("same"))
    assert a.content_hash == b.content_hash
    assert len({a.content_hash, c.content_hash, d.content_hash}) == 3


def test_a_failed_write_leaves_nothing_behind(store: LocalArtifactStore) -> None:
    uri = store.uri("p", "r", "s", "out")

    def crash(folder: Path) -> None:
        (folder / "half.txt").write_text("partial")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        store.write(uri, crash)
    assert not store.exists(uri)
    assert list((store.path / ".tmp").iterdir()) == []


@pytest.mark.parametrize("uri", ["/etc/passwd", "relative/path", "{root}/../outside"])
def test_uris_outside_the_store_are_refused(store: LocalArtifactStore, uri: str) -> None:
    with pytest.raises(ArtifactStoreError, match="is not inside the artifact store"):
        store.local_path(uri.format(root=store.path))


def test_manifests_round_trip(store: LocalArtifactStore) -> None:
    folder = store.uri("p", "r", "s")
    store.write_manifest(folder, {"step": "s", "outputs": {"a": 1}})
    assert store.read_manifest(folder) == {"step": "s", "outputs": {"a": 1}}
    assert [p.name for p in store.local_path(folder).iterdir()] == ["manifest.json"]
    with pytest.raises(ArtifactStoreError, match="no manifest"):
        store.read_manifest(store.uri("p", "r", "missing"))
