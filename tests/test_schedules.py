"""Schedules in the core: their timing, their record, and orchestrators without a scheduler
refusing in one line (the Airflow plugin's tests run schedules on a real server)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_zenml

from zenml_core.errors import MetadataNotFoundError, ScheduleError
from zenml_core.pipelines.schedule import Timing
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack


@pytest.mark.parametrize(
    ("timing", "message"),
    [
        (Timing(), "takes a cron expression or an interval"),
        (Timing(cron="0 3 * * *", interval_seconds=60), "takes a cron expression or an interval"),
        (Timing(cron="0 3 * *"), "must have five fields"),
        (Timing(interval_seconds=0), "must be positive"),
        (Timing(cron="0 3 * * *", timezone="Mars/Olympus"), "unknown timezone 'Mars/Olympus'"),
        (Timing(cron="0 3 * * *", start="tomorrow"), "start 'tomorrow' is not an ISO date"),
    ],
)
def test_bad_timings_are_one_line(timing: Timing, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        timing.check()


def test_a_good_timing_round_trips_and_describes_itself() -> None:
    timing = Timing(cron="0 3 * * *", timezone="Europe/Berlin", start="2026-12-24").check()
    assert Timing.from_dict(timing.to_dict()) == timing
    assert timing.describe() == "cron 0 3 * * * (Europe/Berlin)"
    assert Timing(interval_seconds=90).describe() == "every 90 s (UTC)"


def test_the_store_records_schedules(repo: Repository, plugins: PluginManager) -> None:
    store = load_stack(repo, plugins=plugins, environ={}).metadata_store
    made = store.create_schedule(
        name="nightly", pipeline="p", orchestrator="af", timing={"cron": "0 3 * * *"},
        spec={"name": "p"}, folder="/pinned",
    )  # fmt: skip
    assert (made.name, made.paused, made.timing) == ("nightly", False, {"cron": "0 3 * * *"})
    with pytest.raises(ScheduleError, match="a schedule named 'nightly' exists"):
        store.create_schedule(name="nightly", pipeline="p", orchestrator="af", timing={},
                              spec={}, folder="/x")  # fmt: skip
    store.update_schedule("nightly", paused=True, orchestrator_schedule_id="dag-1")
    changed = store.get_schedule("nightly")
    assert (changed.paused, changed.orchestrator_schedule_id) == (True, "dag-1")
    assert [s.name for s in store.list_schedules()] == ["nightly"]
    store.delete_schedule("nightly")
    with pytest.raises(
        MetadataNotFoundError, match=r"no schedule named 'nightly' \(schedules: none\)"
    ):
        store.get_schedule("nightly")


def test_an_orchestrator_without_a_scheduler_refuses_in_one_line(project: Path) -> None:
    result = run_zenml("pipeline", "schedule", "good.py:fine", "--cron", "0 3 * * *", cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "Error: orchestrator 'default' (local) has no scheduler, so it cannot run a pipeline on "
        "a schedule; orchestrators that can: airflow (with server_url)"
    )
    listed = run_zenml("schedules", "list", cwd=project)
    assert listed.returncode == 0 and listed.stdout.strip() == "No schedules."
    assert not (project / ".zen" / "schedules").exists()  # nothing pinned was left behind
