"""Steps and shard functions that use Datasets; module level, so pool workers import them."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from zenml_core.dataset import Dataset
from zenml_core.pipelines import pipeline
from zenml_core.steps import step
from zenml_core.steps.context import step_context


def table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({"id": np.arange(rows), "x": rng.normal(size=rows)})


def doubled(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(x=frame["x"] * 2)


def process_and_rows(frame: pd.DataFrame) -> tuple[int, int]:
    return os.getpid(), len(frame)


def fails_on_the_second_shard(frame: pd.DataFrame) -> pd.DataFrame:
    if frame["id"].iloc[0] >= 10:
        raise ValueError(f"bad rows from id {frame['id'].iloc[0]}")
    return frame


@step
def make(rows: int = 30, rows_per_shard: int = 10) -> Dataset:
    return Dataset.from_pandas(table(rows), rows_per_shard=rows_per_shard)


@step(settings={"processing_backend": True})
def double(data: Dataset) -> Dataset:
    return step_context().processing.transform_shards(doubled, data)


@step(settings={"processing_backend": True}, enable_cache=False)
def where_shards_ran(data: Dataset) -> list[list[int]]:
    return [list(pair) for pair in step_context().processing.map_shards(process_and_rows, data)]


@step
def total(frame: pd.DataFrame) -> float:  # declared DataFrame: the Dataset is read whole
    return float(frame["x"].sum())


@step(settings={"processing_backend": True})
def broken(data: Dataset) -> Dataset:
    return step_context().processing.transform_shards(fails_on_the_second_shard, data)


@pipeline
def doubling(rows: int = 30):
    data = double(make(rows=rows))
    total(data)
    where_shards_ran(data)


@pipeline
def failing():
    broken(make())


def mixed_table(rows: int) -> pd.DataFrame:
    """Numeric and categorical columns with a binary label, as a CSV importer would read."""
    rng = np.random.default_rng(11)
    return pd.DataFrame(
        {
            "id": np.arange(rows),
            "size": rng.normal(50, 12, rows),
            "weight": rng.exponential(3.0, rows),
            "color": rng.choice(["red", "green", "blue"], rows),
            "target": (rng.random(rows) < 0.3).astype(int),
        }
    )


@step(settings={"processing_backend": True})
def as_dataset(frame: pd.DataFrame, rows_per_shard: int = 100) -> Dataset:
    return Dataset.from_pandas(frame, rows_per_shard=rows_per_shard)


@step
def passed_on(data: Dataset) -> Dataset:  # returns its input: the shards are copied as they are
    return data


@pipeline
def passing_on():
    passed_on(make())


def only_the_first_group_of_the_first_shard(frame: pd.DataFrame) -> pd.DataFrame:
    """An object column emptied on some shards: Arrow types it ``null`` there."""
    frame = frame.astype({"color": object})
    return frame[frame["color"] == "never"] if frame["id"].iloc[0] == 0 else frame
