"""zenml-airflow's tests run Apache Airflow itself (installed with constraints.txt); they use
the fixtures of zenml-core's pytest plugin (``zenml_project``, ``zenml_plugins``)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from zenml_airflow.config import AirflowOrchestratorConfig
from zenml_airflow.orchestrator import AirflowOrchestrator
from zenml_airflow.testing import AirflowServer

from zenml_core.repository import Repository
from zenml_core.stack.stack import Stack
from zenml_core.testing.conformance import local_stack_with
from zenml_core.testing.services import service_missing


@pytest.fixture(scope="session")
def airflow_command() -> str:
    beside = Path(sys.executable).with_name("airflow")
    found = str(beside) if beside.exists() else shutil.which("airflow")
    if not found:
        service_missing("Apache Airflow is not installed (tox -e airflow installs it)")
    return str(found)


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One Airflow home (its SQLite database migrated once) for the whole session."""
    return tmp_path_factory.mktemp("airflow-home")


@pytest.fixture
def airflow_stack(
    zenml_project: Repository, zenml_plugins: Any, airflow_command: str, airflow_home: Path
) -> Stack:
    config = AirflowOrchestratorConfig(
        airflow_home=str(airflow_home), airflow_command=airflow_command, timeout=600
    )
    orchestrator = AirflowOrchestrator(
        name="airflow", config=config, root=zenml_project.root, flavor="airflow"
    )
    return local_stack_with(zenml_project, zenml_plugins, orchestrator)


@pytest.fixture(scope="session")
def airflow_server(airflow_command: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    server = AirflowServer(airflow_command, tmp_path_factory.mktemp("airflow-server"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_stack(
    zenml_project: Repository,
    zenml_plugins: Any,
    airflow_server: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> Stack:
    monkeypatch.setenv("ZENML_TEST_AIRFLOW_PASSWORD", airflow_server.password)
    config = AirflowOrchestratorConfig(
        dags_folder=str(airflow_server.dags), server_url=airflow_server.url,
        username="zenml", password_env="ZENML_TEST_AIRFLOW_PASSWORD", timeout=600,
        poll_interval=1.0,
    )  # fmt: skip
    orchestrator = AirflowOrchestrator(
        name="airflow-server", config=config, root=zenml_project.root, flavor="airflow"
    )
    return local_stack_with(zenml_project, zenml_plugins, orchestrator)
