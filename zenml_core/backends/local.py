"""The ``local`` processing backend: a process pool over a Dataset's shards on this machine.

The pool's processes start from a fork server (not by forking the step's process, whose threads
and Arrow thread pool do not survive a fork safely); they import the shard function's module by
name, and, like any multiprocessing pool, re-import the script that started the run: keep a
script's pipeline call under ``if __name__ == "__main__":``.
"""

from __future__ import annotations

import os
import threading
import weakref
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
    """Shard tasks on the backend's pool of local processes."""

    def __init__(
        self,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        pool: Callable[[], ProcessPoolExecutor],
        workers: int,
    ) -> None:
        super().__init__(scratch_root, settings)
        self._pool = pool
        self.workers = workers

    def run_tasks(self, worker: Callable[[ShardTask], R], tasks: Sequence[ShardTask]) -> list[R]:
        if len(tasks) <= 1 or self.workers == 1:  # a pool would only add its start-up
            return super().run_tasks(worker, tasks)
        futures = [self._pool().submit(worker, task) for task in tasks]
        try:
            return [future.result() for future in futures]
        except BaseException:
            for future in futures:
                future.cancel()
            raise


class LocalProcessingBackend(BaseProcessingBackend[LocalProcessingBackendConfig]):
    """Runs shard functions in a pool of processes on this machine.

    The pool starts when a step first sends work and then serves the following steps of this
    process too (its processes have imported pandas and pyarrow already); it stops when the
    process exits, or with :meth:`shutdown`.
    """

    def __init__(self, **arguments: Any) -> None:
        super().__init__(**arguments)
        self._pools: dict[int, ProcessPoolExecutor] = {}
        self._lock = threading.Lock()
        weakref.finalize(self, _shut_down, self._pools)  # a dropped backend stops its pool

    def session(
        self,
        *,
        scratch_root: Path | None,
        settings: Mapping[str, Any],
        scratch_url: str | None = None,
    ) -> ProcessingSession:
        workers = int(settings.get("workers", self.config.workers) or os.cpu_count() or 1)
        return PoolSession(scratch_root, settings, lambda: self._pool(workers), workers)

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        with self._lock:
            pool = self._pools.get(workers)
            if pool is None:
                import multiprocessing

                context = multiprocessing.get_context("forkserver")
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
                self._pools[workers] = pool
            return pool

    def shutdown(self) -> None:
        """Stop the pool's processes (they also stop when this process exits)."""
        with self._lock:
            _shut_down(self._pools)


def _shut_down(pools: dict[int, ProcessPoolExecutor]) -> None:
    for pool in list(pools.values()):
        pool.shutdown(wait=False, cancel_futures=True)
    pools.clear()
