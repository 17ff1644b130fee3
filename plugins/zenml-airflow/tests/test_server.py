"""Runs triggered on a real Airflow server (``airflow standalone`` on 127.0.0.1) through its
REST API: the orchestrator conformance suite, with steps side by side, and runs followed
after the submitting process stopped waiting."""

from __future__ import annotations

import io
import time
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
