"""A scheduler's workers with the artifact store in Cloud Storage (an emulator): they write
result shards into the bucket and read input Datasets from it, nothing on the step's disk."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from conftest import _BACKENDS, dask_cluster
from zenml_aiplatform.testing import gcs_stack, new_bucket, storage_emulator
from zenml_dask.backend import DaskProcessingBackend, DaskProcessingBackendConfig

from zenml_core.orchestrators.reporting import Reporter
from zenml_core.repository import Repository
from zenml_core.testing import processing


@pytest.fixture
def cluster_with_bucket(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The emulator first, so the workers inherit STORAGE_EMULATOR_HOST."""
    with storage_emulator():
        home = tmp_path / "dask-cluster"
        home.mkdir()
        with dask_cluster(home) as address:
            yield address, new_bucket()


def test_the_workers_write_and_read_shards_in_the_bucket(
    zenml_project: Repository, zenml_plugins: Any, cluster_with_bucket: tuple[str, str]
) -> None:
    import gcsfs

    address, bucket = cluster_with_bucket
    backend = DaskProcessingBackend(
        name="dask", config=DaskProcessingBackendConfig(address=address), flavor="dask"
    )
    _BACKENDS.append(backend)
    locations: list[str] = []
    opened = backend.session

    def recording(**arguments: Any) -> Any:
        session = opened(**arguments)
        where = session.scratch_location
        session.scratch_location = lambda: locations.append(where()) or locations[-1]
        return session

    backend.session = recording  # type: ignore[method-assign]
    stack = gcs_stack(zenml_project, zenml_plugins, bucket, processing_backend=backend)
    run = processing.processing.run(
        stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()), factor=3.0
    )
    assert run.status == "completed"
    assert locations and all(
        where.startswith(f"gs://{bucket}/artifacts/.tmp/processing-") for where in locations
    )
    scaled = run.steps["scale"].output.load()
    assert scaled.folder.startswith(f"gs://{bucket}/artifacts/")
    expected = processing.table(1000).assign(value=lambda f: f["value"] * 3.0)
    pd.testing.assert_frame_equal(scaled.to_pandas(), expected, check_dtype=False, rtol=1e-12)
    files = gcsfs.GCSFileSystem(project="test", token="anon").find(f"{bucket}/artifacts")
    assert not [name for name in files if "/.tmp/" in name]  # the scratch space is gone
