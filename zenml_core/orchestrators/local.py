"""The ``local`` orchestrator flavor: runs steps in this process, independent ones at once."""

from __future__ import annotations

import os
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING

from attrs import frozen

from zenml_core.metadata_stores.records import StepStatus
from zenml_core.orchestrators.base import BaseOrchestrator

if TYPE_CHECKING:
    from zenml_core.orchestrators.step_runner import RunContext, StepOutcome


@frozen
class LocalOrchestratorConfig:
    """Configuration of the ``local`` orchestrator.

    ``workers``: how many independent steps may run at once (None: the number of cores).
    """

    workers: int | None = None


class LocalOrchestrator(BaseOrchestrator[LocalOrchestratorConfig]):
    """Runs steps in a thread pool in topological order.

    Threads suit steps that wait (I/O, subprocesses) or release the GIL (numpy, pandas,
    TensorFlow); pure-Python steps still take turns.
    """

    def run(self, context: RunContext) -> dict[str, StepOutcome]:
        from zenml_core.orchestrators.step_runner import run_step

        spec = context.spec
        downstream = spec.downstream()
        waiting = {step.name: len(step.upstream) for step in spec.steps}
        order = {step.name: index for index, step in enumerate(spec.steps)}
        ready = [step.name for step in spec.steps if not step.upstream]
        outcomes: dict[str, StepOutcome] = {}
        skipped: set[str] = set()
        workers = self.config.workers or os.cpu_count() or 1

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zenml-step") as pool:
            running: set[Future[StepOutcome]] = set()
            while ready or running:
                finished: list[StepOutcome] = []
                if len(ready) == 1 and not running:
                    # Nothing to overlap with: run it here and spare a thread hand-off.
                    finished.append(run_step(context, ready.pop()))
                else:
                    for name in sorted(ready, key=order.__getitem__):
                        running.add(pool.submit(run_step, context, name))
                    ready = []
                    done, running = wait(running, return_when=FIRST_COMPLETED)
                    finished = [future.result() for future in done]
                for outcome in finished:
                    name = outcome.step
                    outcomes[name] = outcome
                    if outcome.status == StepStatus.FAILED:
                        for skip in self.skip_dependants(context, name, skipped):
                            outcomes[skip.step] = skip
                        continue
                    for child in downstream[name]:
                        waiting[child] -= 1
                        if waiting[child] == 0 and child not in skipped:
                            ready.append(child)
        return outcomes
