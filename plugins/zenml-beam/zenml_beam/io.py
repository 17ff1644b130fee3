"""Reading a ``Dataset`` in a Beam pipeline a step builds itself (``step_context().processing
.engine`` gives the pipeline options)::

    with beam.Pipeline(options=step_context().processing.engine) as pipeline:
        rows = pipeline | ReadDataset(data)            # one dict per row
        tables = pipeline | ReadDataset(data, as_tables=True)  # one Arrow table per shard

Each shard is read, and checked against its recorded hash, by the worker that reads it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import apache_beam as beam

from zenml_core.dataset import Dataset, read_source


def _rows(source: Any) -> Iterator[dict[str, Any]]:
    yield from read_source(source).to_pylist()


def _table(source: Any) -> Any:
    return read_source(source)


class ReadDataset(beam.PTransform):  # type: ignore[misc]
    """The rows (or the shards, as Arrow tables) of a stored Dataset."""

    def __init__(self, dataset: Dataset, *, as_tables: bool = False) -> None:
        super().__init__()
        self.sources = [dataset.shard_source(i) for i in range(dataset.num_shards)]
        self.as_tables = as_tables

    def expand(self, begin: Any) -> Any:
        shards = begin | "shards" >> beam.Create(self.sources, reshuffle=False)
        if self.as_tables:
            return shards | "read" >> beam.Map(_table)
        return shards | "read" >> beam.FlatMap(_rows)
