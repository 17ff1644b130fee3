"""The ``beam`` processing backend: each batch of shard work a step sends is one Apache Beam
pipeline on the DirectRunner (``multi_processing`` mode: ``workers`` processes on this machine).

A batch is a ``Create`` of the shard tasks and a ``Map`` that runs each one; a task that fails
is recorded beside its result instead of failing the Beam job (whose retries and error would
name neither the shard nor the user's line), so the step reports the first failing shard in
shard order, as with every backend. Results come back through files (Beam's file systems: a
local folder the workers share with the step, or a ``gs://`` prefix for Dataflow's workers).

Project code: the tasks travel as cloudpickle bytes; Beam's worker processes import the shard
function's module by name, from the folders of the user's project (what is not installed in
site-packages) put on their ``PYTHONPATH`` while the pipeline runs. Beam starts its workers
for each pipeline: expect a few seconds per batch of shard work, whatever its size.
"""

from __future__ import annotations

import os
import pickle
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from attrs import field, frozen

from zenml_core.backends.base import BaseProcessingBackend
from zenml_core.backends.processing import ProcessingSession, R, ShardTask, project_module
from zenml_core.config.validators import positive


@frozen
class BeamProcessingBackendConfig:
    """Configuration of the ``beam`` processing backend.

    ``workers``: DirectRunner worker processes (a step can ask for another number with
    ``settings={"beam": {"workers": N}}``); ``options``: further Beam pipeline options, as
    ``--flag=value`` strings.
    """

    workers: int = field(default=2, validator=positive)
    options: list[str] = field(factory=list)


def project_folders(functions: Sequence[Callable[..., Any]]) -> list[str]:
    """The folders the user's project modules that the functions come from are imported
    from, for the workers' ``PYTHONPATH``."""
    folders: list[str] = []
    for function in functions:
        module = project_module(function)
        folder = str(module.origin.parent) if module is not None else None
        if folder is not None and folder not in folders:
            folders.append(folder)
    return folders


_environment_lock = threading.Lock()


@contextmanager
def workers_can_import(folders: Sequence[str]) -> Iterator[None]:
    """Beam's worker processes start from this process's environment: put the project's
    folders on their ``PYTHONPATH`` while the pipeline runs."""
    if not folders:
        yield
        return
    with _environment_lock:
        before = os.environ.get("PYTHONPATH")
        os.environ["PYTHONPATH"] = os.pathsep.join([*folders, *filter(None, [before])])
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("PYTHONPATH", None)
            else:
                os.environ["PYTHONPATH"] = before


def _result_file(results: str, index: int) -> str:
    from apache_beam.io.filesystems import FileSystems

    return str(FileSystems.join(results, f"{index:06d}.pickle"))


def run_task_file(element: tuple[int, bytes], results: str) -> None:
    """Beam worker side: run one pickled shard task, write its result or its error (read
    only once the pipeline has finished; a retried bundle writes the same file again)."""
    from apache_beam.io.filesystems import FileSystems

    index, payload = element
    try:
        worker, task = pickle.loads(payload)
        outcome: tuple[str, Any] = ("ok", worker(task))
    except Exception as exc:  # reported by the step, for this shard
        outcome = ("error", exc)
    with FileSystems.create(_result_file(results, index)) as handle:
        handle.write(pickle.dumps(outcome))


class BeamSession(ProcessingSession):
    """Shard tasks as one Beam pipeline per call, on the runner :meth:`pipeline_options`
    name."""

    def results_location(self) -> str:
        """A fresh folder for the tasks' results, where the workers can write."""
        folder = self.scratch_folder() / f"results-{uuid.uuid4().hex}"
        folder.mkdir()
        return str(folder)

    def pipeline_options(self) -> list[str]:
        raise NotImplementedError

    @property
    def engine(self) -> Any:
        """``PipelineOptions`` for steps that build their own Beam pipeline."""
        from apache_beam.options.pipeline_options import PipelineOptions

        return PipelineOptions(self.pipeline_options())

    def run_tasks(self, worker: Callable[[ShardTask], R], tasks: Sequence[ShardTask]) -> list[R]:
        if not tasks:
            return []
        import apache_beam as beam
        import cloudpickle
        from apache_beam.io.filesystems import FileSystems

        results = self.results_location()
        payloads = [(i, cloudpickle.dumps((worker, task))) for i, task in enumerate(tasks)]
        folders = project_folders([task.function for task in tasks])
        with workers_can_import(folders), beam.Pipeline(options=self.engine) as pipeline:
            _ = (
                pipeline
                | "shards" >> beam.Create(payloads, reshuffle=False)
                | "run" >> beam.Map(run_task_file, results)
            )
        outcomes = []
        for index in range(len(tasks)):
            with FileSystems.open(_result_file(results, index)) as handle:
                status, value = pickle.loads(handle.read())
            if status == "error":
                raise value
            outcomes.append(value)
        return outcomes


class DirectRunnerSession(BeamSession):
    """Beam pipelines on the DirectRunner's worker processes on this machine."""

    def __init__(
        self,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        config: BeamProcessingBackendConfig,
    ) -> None:
        super().__init__(scratch_root, settings)
        self.config = config

    def pipeline_options(self) -> list[str]:
        workers = int(self.settings.get("workers", self.config.workers))
        return [
            "--runner=DirectRunner",
            "--direct_running_mode=multi_processing",
            f"--direct_num_workers={workers}",
            *self.config.options,
        ]


class BeamProcessingBackend(BaseProcessingBackend[BeamProcessingBackendConfig]):
    """Runs shard functions as Apache Beam pipelines on the DirectRunner."""

    def session(
        self,
        *,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        scratch_url: str | None = None,
    ) -> ProcessingSession:
        return DirectRunnerSession(scratch_root, settings, self.config)
