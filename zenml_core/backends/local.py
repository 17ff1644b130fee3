"""The ``local`` processing backend: a process pool over a Dataset's shards on this machine.

The pool's processes start from a fork server (not by forking the step's process, whose threads
and Arrow thread pool do not survive a fork safely); they import the shard function's module by
name, and, like any multiprocessing pool, re-import the script that started the run: keep a
script's pipeline call under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from attrs import field, frozen

from zenml_core.backends.base import BaseProcessingBackend
from zenml_core.backends.processing import ProcessingSession, R, ShardTask
from zenml_core.config.validators import optional, positive


@frozen
class LocalProcessingBackendConfig:
    """Configuration of the ``local`` processing backend.

    ``workers``: processes in the pool (None: the number of cores); a step can ask for fewer
    or more with ``settings={"local": {"workers": N}}``.
    """

    workers: int | None = field(default=None, validator=optional(positive))


class PoolSession(ProcessingSession):
    """Shard tasks on a pool of local processes, started when the first task is sent."""

    def __init__(self, scratch_root: Path | None, settings: Mapping[str, Any], workers: int):
        super().__init__(scratch_root, settings)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def run_tasks(self, worker: Callable[[ShardTask], R], tasks: Sequence[ShardTask]) -> list[R]:
        if len(tasks) <= 1 or self.workers == 1:  # a pool would only add its start-up
            return super().run_tasks(worker, tasks)
        if self._pool is None:
            import multiprocessing

            context = multiprocessing.get_context("forkserver")
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
        futures = [self._pool.submit(worker, task) for task in tasks]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        super().close()


class LocalProcessingBackend(BaseProcessingBackend[LocalProcessingBackendConfig]):
    """Runs shard functions in a pool of processes on this machine."""

    def session(
        self, *, scratch_root: Path | None, settings: Mapping[str, Any]
    ) -> ProcessingSession:
        workers = settings.get("workers", self.config.workers) or os.cpu_count() or 1
        return PoolSession(scratch_root, settings, int(workers))
