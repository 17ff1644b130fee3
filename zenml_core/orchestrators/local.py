"""The ``local`` orchestrator flavor: runs steps in this process, independent ones at once."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from attrs import field, frozen

from zenml_core.config.validators import optional, positive
from zenml_core.orchestrators.base import BaseOrchestrator

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome


@frozen
class LocalOrchestratorConfig:
    """Configuration of the ``local`` orchestrator.

    ``workers``: how many independent steps may run at once (None: the number of cores).
    """

    workers: int | None = field(default=None, validator=optional(positive))


class LocalOrchestrator(BaseOrchestrator[LocalOrchestratorConfig]):
    """Runs steps in a thread pool in topological order.

    Threads suit steps that wait (I/O, subprocesses) or release the GIL (numpy, pandas,
    TensorFlow); pure-Python steps still take turns.
    """

    def run(self, context: RunContext) -> dict[str, StepOutcome]:
        from zenml_core.execution.step_runner import run_step

        return self.schedule(context, partial(run_step, context), self.config.workers)
