"""The ``gcs`` artifact store against a local Cloud Storage emulator: the same conformance
suite as the local store, plus what only an object store can get wrong."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from zenml_aiplatform.config import GCSArtifactStoreConfig
from zenml_aiplatform.gcs import COMPLETE, GCSArtifactStore

from zenml_core.errors import ArtifactStoreError
from zenml_core.testing.conformance import ArtifactStoreConformance


def gcs_store(path: str, tmp_path: Path) -> GCSArtifactStore:
    config = GCSArtifactStoreConfig(path=path, token="anon", cache_dir=str(tmp_path / "cache"))
    return GCSArtifactStore(name="gcs", config=config, flavor="gcs")


class TestGCSArtifactStore(ArtifactStoreConformance):
    @pytest.fixture
    def artifact_store(self, bucket: str, tmp_path: Path) -> Any:
        store = gcs_store(f"gs://{bucket}/artifacts", tmp_path)
        store.initialize()
        return store


def test_uris_are_gs_urls_and_reads_come_from_a_local_copy(bucket: str, tmp_path: Path) -> None:
    store = gcs_store(f"gs://{bucket}/team/", tmp_path)
    uri = store.uri("pipe", "run", "step", "out")
    assert uri == f"gs://{bucket}/team/pipe/run/step/out"
    store.write(
        uri, lambda folder: (folder / "sub").mkdir() or (folder / "sub" / "x").write_text("1")
    )
    local = store.local_path(uri)
    assert local.is_relative_to(tmp_path / "cache") and (local / "sub" / "x").read_text() == "1"
    assert store.local_path(uri) == local  # downloaded once
    assert not (local / COMPLETE).exists()


def test_files_without_their_completion_marker_are_no_artifact(bucket: str, tmp_path: Path) -> None:
    """A writer killed between its uploads and its marker leaves nothing that counts."""
    store = gcs_store(f"gs://{bucket}", tmp_path)
    uri = store.uri("pipe", "run", "step", "out")
    store.fs.pipe_file(f"{uri}/data.txt", b"half")
    assert not store.exists(uri)
    with pytest.raises(ArtifactStoreError, match="no artifact at"):
        store.local_path(uri)
    store.write(uri, lambda folder: (folder / "data.txt").write_text("whole"))
    assert (store.local_path(uri) / "data.txt").read_text() == "whole"


def test_a_missing_bucket_and_a_bad_path_are_clear_errors(
    gcs_emulator: str, tmp_path: Path
) -> None:
    with pytest.raises(ArtifactStoreError, match="bucket 'no-such-bucket' does not exist"):
        gcs_store("gs://no-such-bucket/x", tmp_path).initialize()
    with pytest.raises(ArtifactStoreError, match="is not a gs:// URL"):
        gcs_store("/local/folder", tmp_path).uri("a")
    with pytest.raises(ArtifactStoreError, match="not inside the artifact store"):
        gcs_store("gs://b/x", tmp_path).exists("gs://b/y/../x/z")
