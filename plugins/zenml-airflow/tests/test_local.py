"""Pipelines compiled to DAG files and run by Apache Airflow itself (``airflow dags test``):
the orchestrator conformance suite, and what is Airflow's own (retries, the cache)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import pipeline
from zenml_core.stack.stack import Stack
from zenml_core.steps import step
from zenml_core.testing.conformance import OrchestratorConformance


class TestAirflowLocal(OrchestratorConformance):
    """``airflow dags test`` runs one task at a time, so the parallel-branches test does not
    apply (a server's scheduler runs them side by side)."""

    parallel_steps = False

    @pytest.fixture
    def orchestrator_stack(self, airflow_stack: Stack) -> Stack:
        return airflow_stack


@step(retries=1, retry_delay=0)
def flaky_once(marker: str) -> str:
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once")
        raise RuntimeError("the first try fails")
    return "second try"


@pipeline(enable_cache=False)
def retried(marker: str):
    flaky_once(marker=marker)


def test_airflow_retries_a_failed_task(
    airflow_stack: Stack, zenml_plugins: Any, tmp_path: Path
) -> None:
    run = retried.run(stack=airflow_stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()),
                      marker=str(tmp_path / "marker"))  # fmt: skip
    step_run = run.steps["flaky_once"]
    assert step_run.status == "completed" and step_run.output.load() == "second try"
    assert (airflow_stack.orchestrator.root / ".zen/airflow/dags/zenml_retried.py").exists()


def test_a_fully_cached_run_does_not_start_airflow(
    airflow_stack: Stack, zenml_plugins: Any
) -> None:
    from zenml_core.testing import pipelines

    output = io.StringIO()
    pipelines.linear.run(
        stack=airflow_stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO())
    )
    again = pipelines.linear.run(
        stack=airflow_stack, plugins=zenml_plugins, reporter=Reporter(output)
    )
    assert {s.status for s in again.steps.values()} == {"cached"}
    assert "every step comes from the cache: Airflow is not started" in output.getvalue()


def test_an_airflow_command_that_is_not_there_is_one_line(
    zenml_project: Any, zenml_plugins: Any
) -> None:
    from zenml_airflow.config import AirflowOrchestratorConfig
    from zenml_airflow.orchestrator import AirflowOrchestrator, AirflowOrchestratorError

    from zenml_core.testing import pipelines
    from zenml_core.testing.conformance import local_stack_with

    config = AirflowOrchestratorConfig(airflow_command="/nowhere/airflow")
    orchestrator = AirflowOrchestrator(
        name="af", config=config, root=zenml_project.root, flavor="airflow"
    )
    stack = local_stack_with(zenml_project, zenml_plugins, orchestrator)
    with pytest.raises(AirflowOrchestratorError, match="airflow_command '/nowhere/airflow' is not"):
        pipelines.linear.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    (run,) = stack.metadata_store.list_runs(limit=1)
    assert run.status == "failed"  # the record does not stay running
