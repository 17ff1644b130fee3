"""The docker orchestrator passes the orchestrator conformance suite of zenml-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_IMAGE
from zenml_docker.config import DockerOrchestratorConfig
from zenml_docker.orchestrator import DockerOrchestrator

from zenml_core.repository import Repository
from zenml_core.stack.stack import Stack
from zenml_core.testing.conformance import OrchestratorConformance, local_stack_with


class TestDockerOrchestrator(OrchestratorConformance):
    @pytest.fixture
    def orchestrator_stack(
        self, zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
    ) -> Stack:
        config = DockerOrchestratorConfig(
            base_image=BASE_IMAGE, wheelhouse=str(wheelhouse), network="none"
        )
        orchestrator = DockerOrchestrator(
            name="containers", config=config, root=zenml_project.root, flavor="docker"
        )
        return local_stack_with(zenml_project, zenml_plugins, orchestrator)
