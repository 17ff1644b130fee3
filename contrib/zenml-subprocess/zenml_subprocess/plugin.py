"""The module the ``zenml.plugins`` entry point names. Keep it light: register by import path,
so that `zenml orchestrator flavors` never imports your implementation's dependencies."""

from __future__ import annotations

from typing import Any

from zenml_core import hookimpl


@hookimpl
def zenml_register_orchestrators(registry: Any) -> None:
    registry.add(
        "subprocess",
        implementation="zenml_subprocess.orchestrator:SubprocessOrchestrator",
        config="zenml_subprocess.orchestrator:SubprocessOrchestratorConfig",
        description="Runs every step in its own Python process on this machine.",
    )
