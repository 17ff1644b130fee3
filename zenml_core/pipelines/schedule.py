"""Pipelines run on a schedule by an orchestrator that has a scheduler of its own.

``pipeline.schedule(cron="0 3 * * *")`` (or ``interval=3600``) and ``zenml pipeline schedule``
compile the pipeline once, pin what it runs (the spec, and a copy of the project's files
under ``.zen/schedules/NAME/code``: never the live working tree), record the schedule in the
metadata store with the orchestrator that holds it, and hand it to that orchestrator. Each
run it starts is an ordinary recorded run, named after the schedule and linked to it
(``run.schedule``), cached like any other. Orchestrators without a scheduler refuse in one line.
"""

from __future__ import annotations

import datetime
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import asdict, frozen

from zenml_core.errors import ScheduleError

if TYPE_CHECKING:
    from zenml_core.metadata_stores.records import ScheduleRecord
    from zenml_core.orchestrators.base import BaseOrchestrator
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository
    from zenml_core.stack.stack import Stack

SCHEDULES_FOLDER = "schedules"  # inside .zen/


@frozen(kw_only=True)
class Timing:
    """When a schedule fires: a five-field ``cron`` expression or every ``interval_seconds``,
    in ``timezone``, from ``start`` to ``end`` (ISO datetimes, or None: from now, for ever);
    ``catchup``: run the intervals missed since ``start`` too."""

    cron: str | None = None
    interval_seconds: float | None = None
    timezone: str = "UTC"
    start: str | None = None
    end: str | None = None
    catchup: bool = False

    def check(self) -> Timing:
        """This timing, or a ScheduleError naming what is wrong with it."""
        if (self.cron is None) == (self.interval_seconds is None):
            raise ScheduleError("a schedule takes a cron expression or an interval: give one")
        if self.cron is not None and len(self.cron.split()) != 5:
            raise ScheduleError(
                f"cron expression {self.cron!r} must have five fields (minute hour day-of-month "
                "month day-of-week), e.g. '0 3 * * *'"
            )
        if self.interval_seconds is not None and self.interval_seconds <= 0:
            raise ScheduleError(f"interval {self.interval_seconds} s must be positive")
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ScheduleError(
                f"unknown timezone {self.timezone!r}; use an IANA name such as Europe/Berlin"
            ) from None
        for label, value in (("start", self.start), ("end", self.end)):
            if value is not None:
                try:
                    datetime.datetime.fromisoformat(value)
                except ValueError:
                    raise ScheduleError(
                        f"{label} {value!r} is not an ISO date or datetime (2026-12-24T03:00)"
                    ) from None
        return self

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timing:
        return cls(**data)

    def describe(self) -> str:
        when = f"cron {self.cron}" if self.cron else f"every {self.interval_seconds:g} s"
        return f"{when} ({self.timezone})"


def pin_project(repository: Repository, name: str) -> Path:
    """Copy the project's files (what git tracks or would track, not what it ignores) to
    ``.zen/schedules/NAME/code``: what every scheduled run imports."""
    folder = repository.zen_dir / SCHEDULES_FOLDER / name / "code"
    if folder.exists():
        shutil.rmtree(folder)
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=repository.root, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    for relative in filter(None, listed.split("\0")):
        source = repository.root / relative
        if relative.startswith(".zen/") or not source.is_file():
            continue
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def create(
    pipeline: Any,
    *,
    name: str | None,
    timing: Timing,
    stack: Stack,
    repository: Repository,
    plugins: PluginManager,
    config: Any = None,
    **parameters: Any,
) -> ScheduleRecord:
    """Pin ``pipeline`` and schedule it on ``stack``'s orchestrator (see the module)."""
    import re

    from zenml_core.naming import check_length

    timing.check()
    name = check_length("schedule", name or pipeline.name)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ScheduleError(
            f"schedule name {name!r}: use letters, digits, '_', '.' and '-' (it names files and "
            "the orchestrator's own schedule)"
        )
    orchestrator = stack.orchestrator
    store = stack.metadata_store
    spec, values = pipeline._build(config=config, plugins=plugins, **parameters)
    if values:
        raise ScheduleError(
            f"pipeline {pipeline.name!r} passes ExternalArtifact values, which exist only in "
            "this process; a schedule needs artifacts that exist: pass their ids instead"
        )
    probe = type(orchestrator).create_schedule
    from zenml_core.orchestrators.base import BaseOrchestrator

    if probe is BaseOrchestrator.create_schedule:
        raise ScheduleError(orchestrator.cannot_schedule())
    folder = pin_project(repository, name)
    record = store.create_schedule(
        name=name, pipeline=spec.name, orchestrator=orchestrator.name, timing=timing.to_dict(),
        spec=spec.to_dict(), folder=str(folder),
    )  # fmt: skip
    try:
        remote_id = orchestrator.create_schedule(record, stack, plugins)
    except BaseException:
        store.delete_schedule(name)
        shutil.rmtree(folder.parent, ignore_errors=True)
        raise
    store.update_schedule(name, orchestrator_schedule_id=remote_id)
    return store.get_schedule(name)


def orchestrator_of(
    schedule: ScheduleRecord, stack: Stack, repository: Repository, plugins: PluginManager
) -> BaseOrchestrator[Any]:
    """The orchestrator that holds ``schedule``: the stack's, if it is that one, else built
    from the repository's configuration."""
    import os

    if stack.orchestrator.name == schedule.orchestrator:
        return stack.orchestrator

    from zenml_core.stack.builder import build_component
    from zenml_core.stack.component import ComponentKind

    config = repository.load_config()
    try:
        component = config.component(ComponentKind.ORCHESTRATOR, schedule.orchestrator)
    except Exception:
        raise ScheduleError(
            f"schedule {schedule.name!r} is held by orchestrator {schedule.orchestrator!r}, "
            "which this repository no longer has; register it again to change the schedule"
        ) from None
    from zenml_core.orchestrators.base import BaseOrchestrator

    built = build_component(
        ComponentKind.ORCHESTRATOR, schedule.orchestrator, component, plugins.registry,
        root=repository.root, source=str(repository.config_path), environ=os.environ,
    )  # fmt: skip
    assert isinstance(built, BaseOrchestrator)
    return built


def set_paused(
    name: str, paused: bool, *, stack: Stack, repository: Repository, plugins: PluginManager
) -> ScheduleRecord:
    store = stack.metadata_store
    schedule = store.get_schedule(name)
    orchestrator_of(schedule, stack, repository, plugins).set_schedule_paused(schedule, paused)
    store.update_schedule(name, paused=paused)
    return store.get_schedule(name)


def delete(name: str, *, stack: Stack, repository: Repository, plugins: PluginManager) -> None:
    """Stop the schedule at its orchestrator and forget it (its runs stay)."""
    store = stack.metadata_store
    schedule = store.get_schedule(name)
    orchestrator_of(schedule, stack, repository, plugins).delete_schedule(schedule)
    store.delete_schedule(name)
    shutil.rmtree(Path(schedule.folder).parent, ignore_errors=True)
