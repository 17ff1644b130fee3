"""Steps that use Dask directly: a Dataset as a Dask DataFrame (one partition per shard, read
and verified on the workers) and a Dask DataFrame back into a Dataset written by the workers."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd
from conftest import dask_stack
from zenml_dask.backend import DaskProcessingBackendConfig

from zenml_core.dataset import Dataset
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import pipeline
from zenml_core.repository import Repository
from zenml_core.steps import step
from zenml_core.steps.context import step_context
from zenml_core.testing.processing import source, table


@step(settings={"processing_backend": True})
def by_group(data: Dataset) -> Dataset:
    processing = step_context().processing
    frame = data.to_dask()
    assert frame.npartitions == data.num_shards
    with processing.engine.as_current():
        return Dataset.from_dask(frame.assign(doubled=frame.value * 2), processing.scratch_folder())


@pipeline
def dask_frames() -> None:
    by_group(source())


def test_a_step_uses_dask_dataframes_on_the_cluster(
    zenml_project: Repository, zenml_plugins: Any, dask_scheduler: str
) -> None:
    stack = dask_stack(
        zenml_project, zenml_plugins, DaskProcessingBackendConfig(address=dask_scheduler)
    )
    run = dask_frames.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    result = run.steps["by_group"].output.load()
    assert result.num_shards == 4 and [s.rows for s in result.shards] == [250] * 4
    expected = table(1000).assign(doubled=lambda f: f["value"] * 2)
    pd.testing.assert_frame_equal(result.to_pandas(), expected, check_dtype=False)
