"""The ``local`` orchestrator flavor: runs steps in this process, independent ones at once."""

from __future__ import annotations

import os
from functools import partial
from typing import TYPE_CHECKING

from attrs import field, frozen

from zenml_core.config.validators import optional, positive
from zenml_core.orchestrators.base import BaseOrchestrator

DEFAULT_WORKERS = 64  # steps at once: threads that mostly wait cost little

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome


@frozen
class LocalOrchestratorConfig:
    """Configuration of the ``local`` orchestrator.

    ``workers``: how many independent steps may run at once (None: 64, or the number of cores
    if more): steps that wait (I/O, remote jobs, sleeps) do not queue behind the cores.
    ``heavy_workers``: how many of them may be cpu- or memory-heavy steps (``@step(resources=
    ...)``; steps with arrays or tables are memory-heavy unless they say otherwise) (None: the
    number of cores).
    """

    workers: int | None = field(default=None, validator=optional(positive))
    heavy_workers: int | None = field(default=None, validator=optional(positive))


class LocalOrchestrator(BaseOrchestrator[LocalOrchestratorConfig]):
    """Runs steps in a thread pool in topological order.

    Threads suit steps that wait (I/O, subprocesses, remote jobs) or release the GIL (numpy,
    pandas, TensorFlow); pure-Python steps still take turns. Heavy steps are limited apart.
    """

    def run(self, context: RunContext) -> dict[str, StepOutcome]:
        from zenml_core.execution.step_runner import run_step

        workers = self.config.workers or max(DEFAULT_WORKERS, os.cpu_count() or 1)
        return self.schedule(
            context, partial(run_step, context), workers, self.config.heavy_workers
        )
