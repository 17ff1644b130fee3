"""Importer steps: where a training pipeline's data comes from."""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd
from attrs import field, frozen

from zenml_core.dataset import DEFAULT_ROWS_PER_SHARD, Dataset
from zenml_core.steps.base import BaseStep
from zenml_core.steps.context import step_context


class ImporterStep(BaseStep):
    """Produces the data set. Override ``read``."""

    USES_PROCESSING_BACKEND: ClassVar[bool] = True

    def entrypoint(self) -> pd.DataFrame:
        return self.read()

    def read(self) -> pd.DataFrame:
        raise NotImplementedError(f"{type(self).__name__} must implement read()")


@frozen
class CSVImporterParameters:
    path: str
    separator: str = ","


class CSVImporter(ImporterStep):
    """Reads a CSV file. Not cached by default: the file may change between runs, while the
    steps after it are cached on the content of what it read."""

    PARAMETERS: ClassVar[type | None] = CSVImporterParameters
    ENABLE_CACHE: ClassVar[bool] = False

    def read(self) -> pd.DataFrame:
        return pd.read_csv(self.parameters.path, sep=self.parameters.separator)


@frozen
class PackageDatasetParameters:
    """``loader``: ``module:function`` returning a scikit-learn style bunch with ``.frame``
    when called with ``as_frame=True`` (e.g. ``sklearn.datasets:load_breast_cancer``)."""

    loader: str
    arguments: dict[str, Any] = field(factory=dict)


class PackageDatasetImporter(ImporterStep):
    """Loads a data set that ships with an installed package (no download)."""

    PARAMETERS: ClassVar[type | None] = PackageDatasetParameters

    def read(self) -> pd.DataFrame:
        from zenml_core.utils.imports import import_object

        loader = import_object(self.parameters.loader, what=f"step {self.name!r}: loader")
        bunch = loader(as_frame=True, **self.parameters.arguments)
        return bunch.frame if hasattr(bunch, "frame") else pd.DataFrame(bunch)


class DataFrameImporter(ImporterStep):
    """Feeds a DataFrame held in memory into a pipeline.

    The frame lives in this process only, so the step runs on in-process orchestrators; for
    containers, write it to a file and use ``CSVImporter``. Its content hash is its parameter,
    so a different frame is a cache miss.
    """

    def __init__(self, frame: pd.DataFrame, **options: Any) -> None:
        super().__init__(**options)
        self.frame = frame
        self.content = str(pd.util.hash_pandas_object(frame, index=True).sum())

    @property
    def config(self) -> dict[str, Any]:
        return {"content": self.content}

    @property
    def source(self) -> str:
        return f"{super().source}@{self.content}"  # this object, not a class to rebuild

    @property
    def loadable(self) -> Any:
        return self

    def read(self) -> pd.DataFrame:
        return self.frame


@frozen
class DatasetImporterParameters:
    """``path``: a file, or a glob pattern of files (read in name order)."""

    path: str
    rows_per_shard: int = DEFAULT_ROWS_PER_SHARD
    separator: str = ","  # CSV only


class _FileDatasetImporter(ImporterStep):
    """Streams files into a Dataset, one shard in memory at a time. Not cached by default."""

    PARAMETERS: ClassVar[type | None] = DatasetImporterParameters
    ENABLE_CACHE: ClassVar[bool] = False

    def entrypoint(self) -> Dataset:
        import glob

        from zenml_core.errors import ConfigError

        files = sorted(glob.glob(self.parameters.path)) or []
        if not files:
            raise ConfigError(f"step {self.name!r}: no file matches {self.parameters.path!r}")
        return Dataset.from_batches(
            (batch for path in files for batch in self.batches(path)),
            step_context().processing.scratch_folder(),
            rows_per_shard=self.parameters.rows_per_shard,
        )

    def batches(self, path: str) -> Any:
        raise NotImplementedError


class CSVDatasetImporter(_FileDatasetImporter):
    """CSV files (pyarrow's streaming reader: the file is never in memory whole)."""

    def batches(self, path: str) -> Any:
        import pyarrow.csv as csv

        options = csv.ParseOptions(delimiter=self.parameters.separator)
        yield from csv.open_csv(path, parse_options=options)


class ParquetDatasetImporter(_FileDatasetImporter):
    """Parquet files (Spark, Dask or Beam outputs), re-cut into shards of ``rows_per_shard``."""

    def batches(self, path: str) -> Any:
        import pyarrow.parquet as pq

        yield from pq.ParquetFile(path).iter_batches(batch_size=self.parameters.rows_per_shard)
