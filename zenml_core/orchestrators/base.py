"""Base class of orchestrators, and the DAG scheduling loop they share."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TYPE_CHECKING, ClassVar, TypeVar

from zenml_core.stack.component import ComponentKind, StackComponent

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome
    from zenml_core.metadata_stores.records import RunRecord, ScheduleRecord
    from zenml_core.orchestrators.remote import RemoteState, Submitted
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack

ConfigT = TypeVar("ConfigT")


class BaseOrchestrator(StackComponent[ConfigT]):
    """Decides where and in what order a pipeline's steps run.

    An orchestrator never executes step logic itself: it calls
    :func:`zenml_core.execution.step_runner.run_step` in-process, or starts a
    :class:`~zenml_core.execution.invocation.StepInvocation` elsewhere (see
    :class:`~zenml_core.orchestrators.external.ExternalStepOrchestrator`), which calls the same
    function. The run's record (opened before, closed after) is handled by
    :func:`zenml_core.pipelines.run.run` through :mod:`zenml_core.execution.lifecycle`.
    """

    KIND: ClassVar[ComponentKind] = ComponentKind.ORCHESTRATOR

    def run(self, context: RunContext) -> dict[str, StepOutcome] | Submitted:
        """Run every step of ``context.spec``; return how each one ended (skipped included),
        or :class:`~zenml_core.orchestrators.remote.Submitted` for a run left to go on
        remotely."""
        raise NotImplementedError

    # -- schedules: for orchestrators with a scheduler of their own ----------------------------

    def create_schedule(
        self, schedule: ScheduleRecord, stack: Stack, plugins: PluginManager
    ) -> str:
        """Have the orchestrator's scheduler run ``schedule`` (its pinned spec and folder);
        returns the orchestrator's id for it. Orchestrators without a scheduler refuse."""
        from zenml_core.errors import ScheduleError

        raise ScheduleError(self.cannot_schedule())

    def set_schedule_paused(self, schedule: ScheduleRecord, paused: bool) -> None:
        from zenml_core.errors import ScheduleError

        raise ScheduleError(self.cannot_schedule())

    def delete_schedule(self, schedule: ScheduleRecord) -> None:
        from zenml_core.errors import ScheduleError

        raise ScheduleError(self.cannot_schedule())

    def cannot_schedule(self) -> str:
        return (
            f"orchestrator {self.name!r} ({self.flavor}) has no scheduler, so it cannot run a "
            "pipeline on a schedule; orchestrators that can: airflow (with server_url)"
        )

    def remote_state(self, run: RunRecord) -> RemoteState | None:
        """The state of a submitted run (``run.orchestrator_run_id``) at the remote service,
        or None when this orchestrator cannot tell."""
        return None

    def schedule(
        self,
        context: RunContext,
        run_one: Callable[[str], StepOutcome],
        workers: int | None = None,
        heavy_workers: int | None = None,
    ) -> dict[str, StepOutcome]:
        """Call ``run_one`` for every step in topological order, independent steps at once.

        At most ``workers`` steps run at once (None: the number of cores), of which at most
        ``heavy_workers`` (None: the number of cores) are cpu- or memory-heavy steps
        (``StepSettings.resources``). A failed step skips the steps that depend on it;
        independent branches go on. When a single step is ready and nothing else runs, it
        runs in this thread.
        """
        from zenml_core.pipelines.spec import map_item

        spec = context.spec
        downstream = spec.downstream()
        waiting = {step.name: len(step.upstream) for step in spec.steps}
        order = {step.name: index for index, step in enumerate(spec.steps)}
        ready = [step.name for step in spec.steps if not step.upstream]
        outcomes: dict[str, StepOutcome] = {}
        skipped: set[str] = set()
        maps = _MapsInFlight(context)
        cores = os.cpu_count() or 1
        workers = workers or cores
        heavy_limit = min(heavy_workers or cores, workers)

        def position(name: str) -> tuple[int, int]:
            item = map_item(name)
            return (order[item[0]], item[1]) if item else (order[name], -1)

        def heavy(name: str) -> bool:
            return spec.step(name).settings.resources != "light"

        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="zenml-step") as pool:
            running: dict[Future[StepOutcome], bool] = {}  # future -> whether it is heavy
            while ready or running:
                finished: list[StepOutcome] = []
                if len(ready) == 1 and not running:
                    finished.append(run_one(ready.pop()))
                else:
                    held = []  # heavy steps over the limit wait for a heavy one to end
                    busy = sum(running.values())
                    for name in sorted(ready, key=position):
                        is_heavy = heavy(name)
                        if is_heavy and busy >= heavy_limit:
                            held.append(name)
                            continue
                        busy += is_heavy
                        running[pool.submit(run_one, name)] = is_heavy
                    ready = held
                    done, _ = wait(running, return_when=FIRST_COMPLETED)
                    for future in done:
                        del running[future]
                    finished = [future.result() for future in done]
                for outcome in finished:
                    outcomes[outcome.step] = outcome
                    settled = maps.settle(outcome, ready)
                    if settled is None:
                        continue  # a mapped step's items are still running
                    name, failed = settled
                    if failed:
                        for skip in self.skip_dependants(context, name, skipped):
                            outcomes[skip.step] = skip
                        continue
                    for child in downstream[name]:
                        waiting[child] -= 1
                        if waiting[child] == 0 and child not in skipped:
                            ready.append(child)
        return outcomes

    @staticmethod
    def skip_dependants(context: RunContext, failed: str, skipped: set[str]) -> list[StepOutcome]:
        """Record every step downstream of ``failed`` as skipped (once); returns their outcomes."""
        from zenml_core.errors import RunClosedError
        from zenml_core.execution.context import StepOutcome, StepStatus

        downstream = context.spec.downstream()
        outcomes = []
        pending = list(downstream[failed])
        while pending:
            name = pending.pop()
            if name in skipped:
                continue
            skipped.add(name)
            reason = f"upstream step {failed!r} failed"
            try:
                step_run_id = context.stack.metadata_store.skip_step(context.run_id, name, reason)
            except RunClosedError:  # the run was reaped meanwhile: nothing more is recorded
                step_run_id = None
            context.reporter.step(name, f"skipped ({reason})")
            outcomes.append(StepOutcome(name, StepStatus.SKIPPED, step_run_id, 0.0, error=reason))
            pending.extend(downstream[name])
        return outcomes


class _MapsInFlight:
    """The items of mapped steps (``step.map``) while they run: a mapped step's split step
    run starts its items; the step counts as done for its dependants when every item is."""

    def __init__(self, context: RunContext) -> None:
        self.context = context
        self.pending: dict[str, set[str]] = {}
        self.failed: set[str] = set()

    def settle(self, outcome: StepOutcome, ready: list[str]) -> tuple[str, bool] | None:
        """``(step, failed)`` once ``outcome`` ends a step for its dependants, else None (items
        were added to ``ready``, or others of the same map still run)."""
        from zenml_core.execution.context import StepStatus
        from zenml_core.pipelines.spec import item_count, map_item

        failed = outcome.status == StepStatus.FAILED
        item = map_item(outcome.step) if self.pending else None
        if item is not None and item[0] in self.pending:
            mapped, items = item[0], self.pending[item[0]]
            items.discard(outcome.step)
            if failed:
                self.failed.add(mapped)
            if items:
                return None
            del self.pending[mapped]
            return mapped, mapped in self.failed
        if outcome.step not in self.context.mapped_steps:
            return outcome.step, failed
        step = self.context.spec.step(outcome.step)
        if outcome.status in (StepStatus.COMPLETED, StepStatus.CACHED):
            names = [f"{step.name}[{i}]" for i in range(item_count(step, outcome.outputs))]
            if names:
                self.pending[step.name] = set(names)
                ready.extend(names)
                return None
        return outcome.step, failed
