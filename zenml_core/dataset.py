"""``Dataset``: a table stored as Parquet shards plus a small manifest, for data that should
not pass through one process whole.

::

    data = Dataset.from_pandas(frame, rows_per_shard=100_000)   # in a step: return it
    for shard in data.shards_as_pandas(): ...                   # one shard at a time
    frame = data.to_pandas()                                    # or all of it

A stored Dataset is a folder: ``dataset.json`` (format version, the Arrow schema, and per
shard its file, rows, bytes and content hash) and ``shards/part-NNNNN.parquet``. The shards are
written (and hashed) by whoever produces them, a processing backend's workers in parallel
included; the artifact's content hash derives from the shard hashes, so nothing reads the data
a second time to hash it. Each shard is checked against its hash when it is read, by the
process that reads it.

pyarrow (and pandas, for the pandas conversions) are imported only when a Dataset is used.
"""

from __future__ import annotations

import base64
import json
import shutil
import uuid
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from zenml_core.errors import ArtifactIntegrityError, ZenMLError
from zenml_core.utils.hashing import hash_bytes
from zenml_core.utils.locations import is_url, join, read_bytes, write_bytes

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from zenml_core.artifact_stores.base import RemoteFile

FORMAT = 1
MANIFEST = "dataset.json"
SHARDS = "shards"
DEFAULT_ROWS_PER_SHARD = 250_000


class DatasetError(ZenMLError):
    """A Dataset cannot be built or read as asked (bad shard size, mismatched schemas, ...)."""


@frozen
class Shard:
    """One Parquet file of a Dataset, as its writer recorded it."""

    file: str  # relative to the dataset's folder, e.g. "shards/part-00000.parquet"
    rows: int
    bytes: int
    content_hash: str


def _schema_text(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode("ascii")


def _schema_from_text(text: str) -> pa.Schema:
    import pyarrow as pa

    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


def write_shard(table: pa.Table, path: str | Path) -> tuple[int, int, str]:
    """Write ``table`` as one Parquet file at ``path`` (a local path or a URL); (rows, bytes,
    content hash). The file is built in memory and hashed before it is written: one pass over
    the bytes, one upload for a URL.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    # Dictionary encoding pays off for text, and costs more than the rest of the write for
    # numbers (3-4x slower, and larger for floats): only text columns get it.
    text = [
        f.name
        for f in table.schema
        if pa.types.is_string(f.type)
        or pa.types.is_large_string(f.type)
        or pa.types.is_dictionary(f.type)
    ]
    pq.write_table(table, sink, use_dictionary=text or False)
    data = sink.getvalue()
    view = memoryview(data)
    write_bytes(path, view)
    return table.num_rows, len(view), hash_bytes(view)


def _verified_bytes(folder: str | Path, shard: Shard) -> bytes:
    """The shard's bytes, refused if they are not the ones recorded."""
    path = join(folder, shard.file)
    try:
        data = read_bytes(path)
    except FileNotFoundError:
        raise ArtifactIntegrityError(f"dataset shard {path} is gone") from None
    if len(data) != shard.bytes or hash_bytes(data) != shard.content_hash:
        raise ArtifactIntegrityError(
            f"dataset shard {path} changed after it was written: recorded "
            f"{shard.content_hash} ({shard.bytes} bytes); run the producing step again"
        )
    return data


def read_shard(folder: str | Path, shard: Shard) -> pa.Table:
    """Read one shard, refusing it if its bytes are not the ones recorded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    return pq.read_table(pa.BufferReader(_verified_bytes(folder, shard)))


class Dataset:
    """A table in Parquet shards. Build one with ``from_pandas``/``from_arrow``/``from_files``
    (or a processing backend's ``transform_shards``) and return it from a step; a step that
    declares a ``Dataset`` input receives the stored one."""

    def __init__(
        self,
        folder: str | Path,
        shards: Sequence[Shard],
        schema: pa.Schema,
        *,
        pending: Sequence[pa.Table] = (),
    ) -> None:
        self.folder = str(folder)  # a local path or a URL; "" until stored
        self.shards = tuple(shards)
        self.schema = schema
        self._pending = tuple(pending)  # tables not yet written (from_pandas / from_arrow)

    # -- building ------------------------------------------------------------------------------

    @classmethod
    def from_arrow(
        cls, table: pa.Table, *, rows_per_shard: int = DEFAULT_ROWS_PER_SHARD
    ) -> Dataset:
        """A Dataset of ``table`` cut into shards of at most ``rows_per_shard`` rows (written
        when the step's outputs are)."""
        if rows_per_shard < 1:
            raise DatasetError(f"rows_per_shard must be at least 1, got {rows_per_shard}")
        pieces = [
            table.slice(start, rows_per_shard)
            for start in range(0, max(table.num_rows, 1), rows_per_shard)
        ]
        return cls("", (), table.schema, pending=pieces)

    @classmethod
    def from_pandas(
        cls, frame: pd.DataFrame, *, rows_per_shard: int = DEFAULT_ROWS_PER_SHARD
    ) -> Dataset:
        """A Dataset of ``frame`` (its index kept only if it is not a plain range)."""
        import pyarrow as pa

        return cls.from_arrow(pa.Table.from_pandas(frame), rows_per_shard=rows_per_shard)

    @classmethod
    def from_files(cls, paths: Iterable[str | Path]) -> Dataset:
        """A Dataset whose shards are existing Parquet files (Spark, Dask or Beam outputs):
        each is copied and hashed when the step's outputs are written. Schemas must agree."""
        import pyarrow.parquet as pq

        files = [Path(p) for p in paths]
        if not files:
            raise DatasetError("from_files needs at least one Parquet file")
        schema = pq.read_schema(files[0])
        for path in files[1:]:
            other = pq.read_schema(path)
            if not other.equals(schema, check_metadata=False):
                raise DatasetError(
                    f"{path} has schema {other} but {files[0]} has {schema}; a Dataset's "
                    "shards share one schema"
                )
        shards = [
            Shard(str(p.resolve()), pq.read_metadata(p).num_rows, p.stat().st_size, "")
            for p in files
        ]
        return cls("", shards, schema)

    @classmethod
    def from_batches(
        cls,
        batches: Iterable[pa.RecordBatch],
        folder: str | Path,
        *,
        rows_per_shard: int = DEFAULT_ROWS_PER_SHARD,
        schema: pa.Schema | None = None,
    ) -> Dataset:
        """Write a stream of record batches as shards into ``folder`` (a scratch folder:
        ``step_context().processing.scratch_folder()``), holding one shard in memory at a
        time: how importers read files larger than memory."""
        import pyarrow as pa

        if rows_per_shard < 1:
            raise DatasetError(f"rows_per_shard must be at least 1, got {rows_per_shard}")
        shards: list[Shard] = []
        pending: list[pa.RecordBatch] = []
        rows = 0

        def flush() -> None:
            nonlocal pending, rows
            table = pa.Table.from_batches(pending)
            for start in range(0, table.num_rows, rows_per_shard):
                path = scratch_shard_path(folder)
                written = write_shard(table.slice(start, rows_per_shard), path)
                shards.append(Shard(path, *written))
            pending, rows = [], 0

        for batch in batches:
            schema = schema or batch.schema
            pending.append(batch)
            rows += batch.num_rows
            if rows >= rows_per_shard:
                flush()
        if pending:
            flush()
        if schema is None:
            raise DatasetError("from_batches got no batches and no schema")
        return cls("", shards, schema)

    @classmethod
    def from_dask(cls, frame: Any, folder: str | Path) -> Dataset:
        """A Dataset of a Dask DataFrame, one shard per partition, each written (and hashed)
        by the worker that computes it into ``folder`` (a scratch folder the workers can
        reach: ``step_context().processing.scratch_folder()``)."""
        import dask

        parts = frame.to_delayed()
        written = dask.compute(*(dask.delayed(_write_partition)(p, str(folder)) for p in parts))
        if not written:
            import pyarrow as pa

            return cls.from_arrow(pa.Table.from_pandas(frame._meta, preserve_index=False))
        return cls("", [shard for shard, _ in written], written[0][1])

    @classmethod
    def from_shards(cls, written: Sequence[Shard], schema: pa.Schema) -> Dataset:
        """A Dataset of shards already written and hashed (by absolute path), e.g. by an
        engine's workers into the artifact store's scratch space; moved into place on save."""
        return cls("", written, schema)

    # -- reading -------------------------------------------------------------------------------

    @property
    def num_rows(self) -> int:
        return sum(s.rows for s in self.shards) + sum(int(t.num_rows) for t in self._pending)

    @property
    def num_shards(self) -> int:
        return len(self.shards) + len(self._pending)

    def read_shard(self, index: int) -> pa.Table:
        """Shard ``index`` as an Arrow table (verified against its recorded hash)."""
        return read_source(self.shard_source(index))

    def shard_source(self, index: int) -> Any:
        """What a worker needs to read shard ``index`` (small and picklable for stored
        shards): ``("stored", folder, shard)``, ``("file", path)``, or the Arrow table."""
        if self._pending:
            return self._pending[index]
        shard = self.shards[index]
        if not shard.content_hash:  # from_files, before it was stored
            return ("file", shard.file)
        return ("stored", self.folder, shard)

    def shards_as_arrow(self) -> Iterator[pa.Table]:
        for index in range(self.num_shards):
            yield self.read_shard(index)

    def shards_as_pandas(self) -> Iterator[pd.DataFrame]:
        for table in self.shards_as_arrow():
            yield table.to_pandas()

    def to_arrow(self) -> pa.Table:
        """Every shard in one Arrow table (the whole Dataset in memory)."""
        import pyarrow as pa

        tables = list(self.shards_as_arrow())
        if not tables:
            return self.schema.empty_table()
        return pa.concat_tables(tables, promote_options="default")  # an all-empty shard

    def to_pandas(self) -> pd.DataFrame:
        """Every shard in one DataFrame (the whole Dataset in memory)."""
        return self.to_arrow().to_pandas()

    def to_dask(self) -> Any:
        """A Dask DataFrame with one partition per shard, each read (and verified) by the
        worker that computes it; needs ``dask[dataframe]`` (zenml-dask brings it)."""
        import dask.dataframe as dd

        meta = self.schema.empty_table().to_pandas()
        return dd.from_map(_shard_frame, [(self, i) for i in range(self.num_shards)], meta=meta)

    def __repr__(self) -> str:
        where = f" at {self.folder}" if self.shards and self.shards[0].content_hash else ""
        return f"<Dataset {self.num_rows} rows in {self.num_shards} shards{where}>"

    # -- storing (the materializer's half) -----------------------------------------------------

    def save(self, folder: Path) -> dict[str, str | RemoteFile]:
        """Write the Dataset into the empty ``folder``; returns each shard file's hash (the
        artifact store hashes the listing instead of re-reading them), or, for a shard at a
        URL (written by remote workers, or a stored Dataset passed on), where it lies: the
        store copies it into the artifact without downloading it here."""
        import pyarrow.parquet as pq

        from zenml_core.artifact_stores.base import RemoteFile

        remote: dict[str, RemoteFile] = {}
        shards: list[Shard] = []
        for index in range(self.num_shards):
            name = f"{SHARDS}/part-{index:05d}.parquet"
            target = folder / name
            if self._pending:
                rows, size, content_hash = write_shard(self._pending[index], target)
            else:
                source = self.shards[index]
                location = join(self.folder, source.file)
                if source.content_hash and is_url(location):
                    remote[name] = RemoteFile(location, source.bytes, source.content_hash)
                    rows, size, content_hash = source.rows, source.bytes, source.content_hash
                elif source.content_hash and Path(source.file).is_absolute():
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.move(source.file, target)  # written and hashed by a worker
                    rows, size, content_hash = source.rows, source.bytes, source.content_hash
                elif source.content_hash:  # a stored dataset passed on: copy verified bytes
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(_verified_bytes(self.folder, source))
                    rows, size, content_hash = source.rows, source.bytes, source.content_hash
                else:  # from_files: a foreign Parquet file, copied and hashed
                    data = Path(source.file).read_bytes()
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(data)
                    rows = pq.read_metadata(target).num_rows
                    size, content_hash = len(data), hash_bytes(data)
            shards.append(Shard(name, rows, size, content_hash))
        manifest = {
            "format": FORMAT,
            "schema": _schema_text(self.schema),
            "shards": [
                {"file": s.file, "rows": s.rows, "bytes": s.bytes, "content_hash": s.content_hash}
                for s in shards
            ],
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        self.folder, self.shards, self._pending = str(folder), tuple(shards), ()
        return {s.file: remote.get(s.file, s.content_hash) for s in shards}

    @classmethod
    def open(cls, folder: str | Path) -> Dataset:
        """The stored Dataset in ``folder`` (shards are verified when read)."""
        shards, schema = read_manifest(folder)
        return cls(folder, shards, schema)


def read_manifest(folder: str | Path) -> tuple[list[Shard], pa.Schema]:
    """The shards and schema ``dataset.json`` lists (a clear error if it is not a Dataset)."""
    try:
        document = json.loads(read_bytes(join(folder, MANIFEST)))
        if document.get("format") != FORMAT:
            raise DatasetError(f"{join(folder, MANIFEST)}: unknown format {document.get('format')}")
        shards = [Shard(**entry) for entry in document["shards"]]
        return shards, _schema_from_text(document["schema"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DatasetError(f"{folder} is not a readable Dataset: {exc}") from exc


def read_source(source: Any) -> pa.Table:
    """The table a ``shard_source`` names, verified when it is a stored shard."""
    if isinstance(source, tuple) and source[0] == "stored":
        return read_shard(source[1], source[2])
    if isinstance(source, tuple) and source[0] == "file":
        import pyarrow.parquet as pq

        return pq.read_table(source[1])
    return source


def describe_source(source: Any) -> str:
    """`` (shards/part-00003.parquet)`` for a stored shard, the path for a file, else ""."""
    if isinstance(source, tuple) and source[0] == "stored":
        return f" ({Path(source[2].file).name})"
    if isinstance(source, tuple) and source[0] == "file":
        return f" ({source[1]})"
    return ""


def scratch_shard_path(scratch: str | Path) -> str:
    """A fresh file name (a path or a URL) for a shard a worker writes before the step's
    outputs are saved."""
    return join(scratch, f"{uuid.uuid4().hex}.parquet")


def _write_partition(frame: pd.DataFrame, folder: str) -> tuple[Shard, pa.Schema]:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    path = scratch_shard_path(folder)
    rows, size, content_hash = write_shard(table, path)
    return Shard(path, rows, size, content_hash), table.schema


def _shard_frame(item: tuple[Dataset, int]) -> pd.DataFrame:
    dataset, index = item
    return dataset.read_shard(index).to_pandas()


def convert_input(value: Any, annotation: Any) -> tuple[Any, str | None]:
    """``value`` as the step declared it: a Dataset read whole for a step that takes a
    DataFrame, a DataFrame cut into shards for one that takes a Dataset; with a note saying
    what that cost (the step's declared type decides, never the stack)."""
    from zenml_core.steps.signature import runtime_class

    expected = runtime_class(annotation)
    if expected is None or isinstance(value, expected):
        return value, None
    import time

    started = time.perf_counter()
    if isinstance(value, Dataset) and _is_pandas_frame_type(expected):
        converted: Any = value.to_pandas()
        what = f"a Dataset of {value.num_rows} rows in {value.num_shards} shards read whole"
    elif expected is Dataset and type(value).__name__ == "DataFrame":
        converted = Dataset.from_pandas(value)
        what = f"a DataFrame of {len(value)} rows cut into {converted.num_shards} shards"
    else:
        return value, None
    return converted, f"{what} ({(time.perf_counter() - started) * 1000:.0f} ms)"


def _is_pandas_frame_type(cls: type) -> bool:
    return cls.__module__.partition(".")[0] == "pandas" and cls.__name__ == "DataFrame"
