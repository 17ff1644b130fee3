"""Pipelines the processing backend conformance suite runs (needs zenml-core's ml extra).

Shard functions live here, in zenml-core, so that every engine's workers can import them with
only zenml-core installed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from zenml_core.dataset import Dataset
from zenml_core.pipelines import pipeline
from zenml_core.steps import log_metadata, step
from zenml_core.steps.context import step_context


def table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "value": rng.normal(10, 3, rows),
            "group": rng.choice(["a", "b", "c"], rows),
        }
    )


def scaled(frame: pd.DataFrame, factor: float) -> pd.DataFrame:
    return frame.assign(value=frame["value"] * factor)


def group_counts(frame: pd.DataFrame) -> dict[str, int]:
    return {str(k): int(v) for k, v in frame["group"].value_counts().items()}


def fails_from(frame: pd.DataFrame, first_bad_id: int) -> pd.DataFrame:
    if int(frame["id"].max()) >= first_bad_id:
        raise ValueError(f"conformance: shard with id {int(frame['id'].max())} fails")
    return frame


@step
def source(rows: int = 1000, rows_per_shard: int = 250) -> Dataset:
    return Dataset.from_pandas(table(rows), rows_per_shard=rows_per_shard)


@step(settings={"processing_backend": True})
def scale(data: Dataset, factor: float = 2.0) -> Dataset:
    return step_context().processing.transform_shards(scaled, data, factor)


@step(settings={"processing_backend": True})
def count_groups(data: Dataset) -> dict[str, int]:
    merged: dict[str, int] = {}
    for counts in step_context().processing.map_shards(group_counts, data):
        for group, count in counts.items():
            merged[group] = merged.get(group, 0) + count
    log_metadata(shards=data.num_shards, rows=data.num_rows)
    return dict(sorted(merged.items()))


@step(settings={"processing_backend": True})
def breaks(data: Dataset, first_bad_id: int = 600) -> Dataset:
    return step_context().processing.transform_shards(fails_from, data, first_bad_id)


@pipeline
def processing(rows: int = 1000, factor: float = 2.0) -> None:
    data = source(rows=rows)
    count_groups(scale(data, factor=factor))


@pipeline
def failing_shard() -> None:
    breaks(source())
