"""Entry point module: names the orchestrator by import path, so ``docker`` is not imported."""

from __future__ import annotations

from typing import Any

from zenml_core import hookimpl


@hookimpl
def zenml_register_orchestrators(registry: Any) -> None:
    registry.add(
        "docker",
        implementation="zenml_docker.orchestrator:DockerOrchestrator",
        config="zenml_docker.config:DockerOrchestratorConfig",
        description="Runs each step in its own container on a Docker engine.",
    )
