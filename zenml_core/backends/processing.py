"""What a step's code uses to put work on a processing engine: ``step_context().processing``.

::

    @step(settings={"processing_backend": True})
    def clean(data: Dataset) -> Dataset:
        session = step_context().processing
        counts = session.map_shards(count_missing, data)      # one value per shard
        return session.transform_shards(drop_missing, data)   # a new Dataset, shard by shard

The function runs where the engine runs it (a pool process, a Dask worker), once per shard,
and receives the shard as a pandas DataFrame; it must be importable there (a module-level
function of the project or a library). ``transform_shards`` writes each result shard from the
worker straight into the artifact store's scratch space, hashed as it is written; the step's
outputs then move those files into place. Without a processing backend in the stack, or for
steps that do not ask for one, the same calls run shard after shard in the step's process.

A session starts its engine (a pool, a cluster client) on first use, so a cached step, which
never runs its code, starts nothing; it is closed when the step's outputs are written (a
backend may keep the engine itself for the run's next steps, as the local pool and Dask do).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import traceback
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import frozen

from zenml_core.errors import StepExecutionError

if TYPE_CHECKING:
    from zenml_core.dataset import Dataset, Shard

R = TypeVar("R")


class ShardFailedError(StepExecutionError):
    """The function failed on one shard; the message names the shard and the user's error."""


@frozen
class ShardTask:
    """One shard's work, as sent to a worker: where to read it and what to apply."""

    function: Callable[..., Any]
    index: int
    count: int
    source: Any  # see Dataset.shard_source: a stored shard, a Parquet file, or a table
    arguments: tuple[Any, ...] = ()
    scratch: str | None = None  # transform: the folder the result shard is written into


def _read(task: ShardTask) -> Any:
    from zenml_core.dataset import read_source

    return read_source(task.source).to_pandas()


def _describe(task: ShardTask) -> str:
    from zenml_core.dataset import describe_source

    return f"shard {task.index + 1} of {task.count}{describe_source(task.source)}"


def _failure(task: ShardTask, exc: BaseException) -> ShardFailedError:
    from zenml_core.utils.tracebacks import user_traceback

    error = ShardFailedError(f"{_describe(task)} failed: {type(exc).__name__}: {exc}")
    shown = user_traceback("".join(traceback.format_exception(exc)))
    if shown and sys.version_info >= (3, 11):  # notes are pickled with the error
        error.add_note(f"In the worker:\n{shown}")
    return error


def run_map_task(task: ShardTask) -> Any:
    """Worker side of ``map_shards``: the function's value for one shard."""
    try:
        return task.function(_read(task), *task.arguments)
    except Exception as exc:
        raise _failure(task, exc) from None


def run_transform_task(task: ShardTask) -> list[tuple[Shard, Any]]:
    """Worker side of ``transform_shards``: the result shard(s), written and hashed here."""
    import pyarrow as pa

    from zenml_core.dataset import Shard, scratch_shard_path, write_shard

    try:
        result = task.function(_read(task), *task.arguments)
        results = result if isinstance(result, tuple) else (result,)
        tables = [
            item if isinstance(item, pa.Table) else pa.Table.from_pandas(item, preserve_index=False)
            for item in results
        ]
    except Exception as exc:
        raise _failure(task, exc) from None
    assert task.scratch is not None
    written = []
    for table in tables:
        path = scratch_shard_path(task.scratch)
        rows, size, content_hash = write_shard(table, path)
        written.append((Shard(path, rows, size, content_hash), table.schema))
    return written


@frozen
class ProjectModule:
    """The top-level module of the user's project a shard function comes from: its name,
    and its file (a module) or folder (a package)."""

    name: str
    origin: Path
    is_package: bool


def _installed_folders() -> tuple[str, ...]:
    import site
    import sysconfig

    paths = sysconfig.get_paths()
    folders = {paths["purelib"], paths["platlib"], paths["stdlib"], *site.getsitepackages()}
    return tuple(str(Path(folder).resolve()) for folder in folders if folder)


def project_module(function: Callable[..., Any]) -> ProjectModule | None:
    """Where ``function``'s project code lives, for engines whose workers must import it;
    None for installed code (site-packages, the standard library) and for ``__main__``, whose
    functions cloudpickle carries by value."""
    name = (getattr(function, "__module__", None) or "").partition(".")[0]
    module = sys.modules.get(name)
    if not name or name == "__main__" or module is None:
        return None
    paths = list(getattr(module, "__path__", []))
    origin = Path(paths[0] if paths else getattr(module, "__file__", "") or "")
    if not origin.exists() or str(origin.resolve()).startswith(_installed_folders()):
        return None
    return ProjectModule(name, origin.resolve(), bool(paths))


def _one_schema(shards: list[tuple[Shard, Any]]) -> Any:
    """The schema of result shards: theirs, with a column that some shards could not type
    (all empty: Arrow's ``null``) taking the type the others give it."""
    import pyarrow as pa

    from zenml_core.dataset import DatasetError

    try:
        return pa.unify_schemas([schema for _, schema in shards], promote_options="default")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
        raise DatasetError(
            f"the shards came back with different columns or types ({exc}); return frames "
            "with the same columns and types from every shard"
        ) from None


class ProcessingSession:
    """Runs shard functions; this base runs them one after another in this process.

    Backends subclass it and implement :meth:`run_tasks` (and :attr:`engine` for steps that
    use the engine directly); everything else is shared.
    """

    # Whether the engine's workers may run on other machines (a Dask scheduler's, Dataflow's):
    # their result shards then go to the store's scratch URL when it has one.
    workers_elsewhere = False

    def __init__(
        self,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        scratch_url: str | None = None,
    ) -> None:
        self.settings = dict(settings)  # the step's settings under the backend's flavor
        self._scratch_root = scratch_root
        self._scratch: Path | None = None
        self._scratch_url = scratch_url
        self._remote_scratch: str | None = None

    @property
    def engine(self) -> Any:
        """The engine's own handle (a Dask client, Beam options); None when running here."""
        return None

    def run_tasks(self, worker: Callable[[ShardTask], R], tasks: Sequence[ShardTask]) -> list[R]:
        """``worker(task)`` for every task, results in task order; the first failure raises."""
        return [worker(task) for task in tasks]

    def close(self) -> None:
        """Stop the engine this session started, and drop scratch files nobody adopted."""
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)
            self._scratch = None
        if self._remote_scratch is not None:
            from zenml_core.utils.locations import remove

            remove(self._remote_scratch, recursive=True)
            self._remote_scratch = None

    # -- what steps call -----------------------------------------------------------------------

    def map_shards(self, function: Callable[..., R], dataset: Dataset, *arguments: Any) -> list[R]:
        """``function(shard_frame, *arguments)`` for every shard, in shard order."""
        return self.run_tasks(run_map_task, self._tasks(function, dataset, arguments, None))

    def transform_shards(
        self, function: Callable[..., Any], dataset: Dataset, *arguments: Any
    ) -> Dataset:
        """A new Dataset of ``function(shard_frame, *arguments)`` per shard (a DataFrame or an
        Arrow table each, with one schema)."""
        (result,) = self.split_shards(function, dataset, *arguments, parts=1)
        return result

    def split_shards(
        self, function: Callable[..., Any], dataset: Dataset, *arguments: Any, parts: int
    ) -> tuple[Dataset, ...]:
        """``parts`` new Datasets from one pass: ``function`` returns a tuple of ``parts``
        frames per shard (a split), the i-th of each going to the i-th Dataset."""
        from zenml_core.dataset import Dataset, DatasetError

        scratch = self.scratch_location()
        results = self.run_tasks(
            run_transform_task, self._tasks(function, dataset, arguments, scratch)
        )
        if any(len(written) != parts for written in results):
            raise DatasetError(
                f"the shard function returned {len(results[0])} frames per shard, not {parts}"
            )
        datasets = []
        for part in range(parts):
            shards = [written[part] for written in results]
            if not shards:
                datasets.append(Dataset.from_arrow(dataset.schema.empty_table()))
                continue
            datasets.append(Dataset.from_shards([s for s, _ in shards], _one_schema(shards)))
        return tuple(datasets)

    def _tasks(
        self,
        function: Callable[..., Any],
        dataset: Dataset,
        arguments: tuple[Any, ...],
        scratch: str | None,
    ) -> list[ShardTask]:
        count = dataset.num_shards
        return [
            ShardTask(function, index, count, dataset.shard_source(index), arguments, scratch)
            for index in range(count)
        ]

    def scratch_location(self) -> str:
        """Where the engine's workers write result shards: :meth:`scratch_folder`, or, when
        they may be on other machines and the artifact store is elsewhere too, a fresh prefix
        under the store's scratch URL (removed when the session closes)."""
        if not (self.workers_elsewhere and self._scratch_url):
            return str(self.scratch_folder())
        if self._remote_scratch is None:
            self._remote_scratch = f"{self._scratch_url}/processing-{uuid.uuid4().hex}"
        return self._remote_scratch

    def scratch_folder(self) -> Path:
        """Where shards are written before the step's outputs take them: inside the artifact
        store's own folder when it has one (moving them into the outputs is then a rename).
        Removed when the session closes, with whatever no output took."""
        if self._scratch is None:
            if self._scratch_root is not None:
                self._scratch = self._scratch_root / ".tmp" / f"processing-{uuid.uuid4().hex}"
                self._scratch.mkdir(parents=True)
            else:
                self._scratch = Path(tempfile.mkdtemp(prefix="zenml-processing-"))
        return self._scratch
