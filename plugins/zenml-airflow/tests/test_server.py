"""Runs triggered on a real Airflow server (``airflow standalone`` on 127.0.0.1) through its
REST API: the orchestrator conformance suite, with steps side by side, and runs followed
after the submitting process stopped waiting."""

from __future__ import annotations

import io
import time
from pathlib import Path
from typing import Any

import pytest

from zenml_core.client import Client
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.stack.stack import Stack
from zenml_core.testing.conformance import OrchestratorConformance


class TestAirflowServer(OrchestratorConformance):
    """The scheduler runs independent tasks at the same time."""

    @pytest.fixture
    def orchestrator_stack(self, server_stack: Stack) -> Stack:
        return server_stack


def test_a_run_not_waited_for_is_followed_to_its_end(
    server_stack: Stack, zenml_plugins: Any
) -> None:
    import attrs

    from zenml_core.testing import pipelines

    orchestrator = server_stack.orchestrator
    patient = attrs.evolve(server_stack, orchestrator=type(orchestrator)(
        name=orchestrator.name, config=attrs.evolve(orchestrator.config, wait=False),
        root=orchestrator.root, flavor="airflow",
    ))  # fmt: skip
    output = io.StringIO()
    submitted = pipelines.linear.run(
        stack=patient, plugins=zenml_plugins, reporter=Reporter(output)
    )
    assert submitted.status == "running"
    assert submitted.record.orchestrator_run_id.startswith("zenml_linear/zenml-")
    assert "submitted as zenml_linear/zenml-" in output.getvalue()
    client = Client(stack=patient, plugins=zenml_plugins)
    deadline = time.monotonic() + 300
    while client.run(submitted.id).status == "running" and time.monotonic() < deadline:
        time.sleep(1)
    finished = client.run(submitted.id)
    assert finished.status == "completed"
    assert {s.status for s in finished.steps.values()} == {"completed"}


def test_an_unreachable_server_is_one_line(zenml_project: Any, zenml_plugins: Any) -> None:
    from zenml_airflow.api import AirflowApiError
    from zenml_airflow.config import AirflowOrchestratorConfig
    from zenml_airflow.orchestrator import AirflowOrchestrator
    from zenml_airflow.testing import free_port

    from zenml_core.testing import pipelines
    from zenml_core.testing.conformance import local_stack_with

    config = AirflowOrchestratorConfig(server_url=f"http://127.0.0.1:{free_port()}")
    orchestrator = AirflowOrchestrator(
        name="gone", config=config, root=zenml_project.root, flavor="airflow"
    )
    stack = local_stack_with(zenml_project, zenml_plugins, orchestrator)
    with pytest.raises(AirflowApiError, match=r"cannot reach Airflow at http://127\.0\.0\.1:"):
        pipelines.linear.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))


def test_a_schedule_fires_and_each_firing_is_a_recorded_run(
    server_stack: Stack, zenml_plugins: Any, zenml_project: Any
) -> None:
    import datetime

    from zenml_core.pipelines import schedule as schedules
    from zenml_core.testing import pipelines

    store = server_stack.metadata_store
    start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=3)
    record = pipelines.linear.schedule(
        interval=60, name="every-minute", start=start.isoformat(), stack=server_stack,
        plugins=zenml_plugins, count=2,
    )  # fmt: skip
    assert record.orchestrator_schedule_id == "zenml_every-minute"
    assert [s.name for s in store.list_schedules()] == ["every-minute"]
    assert (Path(record.folder)).is_dir()  # the pinned copy of the project
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        runs = [r for r in store.list_runs(pipeline="linear") if r.schedule == "every-minute"]
        if runs and runs[-1].status != "running":
            break
        time.sleep(2)
    assert runs, "the schedule never started a run"
    run = runs[-1]
    assert run.status == "completed", run.error
    steps = {s.name: s.status for s in store.list_step_runs(run.id)}
    assert set(steps.values()) == {"completed"} and "total" in steps
    assert run.parameters == {"count": 2}

    paused = schedules.set_paused("every-minute", True, stack=server_stack,
                                  repository=zenml_project, plugins=zenml_plugins)  # fmt: skip
    assert paused.paused
    schedules.delete("every-minute", stack=server_stack, repository=zenml_project,
                     plugins=zenml_plugins)  # fmt: skip
    assert store.list_schedules() == []
    dags_folder = Path(server_stack.orchestrator.config.dags_folder)
    assert not (dags_folder / "zenml_every-minute.py").exists()
    assert [r.id for r in store.list_runs(pipeline="linear") if r.schedule] != []  # runs stay


def test_dags_test_mode_cannot_schedule(airflow_stack: Stack, zenml_plugins: Any) -> None:
    from zenml_core.errors import ScheduleError
    from zenml_core.testing import pipelines

    with pytest.raises(ScheduleError, match="has no scheduler; give it server_url"):
        pipelines.linear.schedule(cron="0 3 * * *", stack=airflow_stack, plugins=zenml_plugins)
    assert airflow_stack.metadata_store.list_schedules() == []
