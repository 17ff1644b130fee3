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
