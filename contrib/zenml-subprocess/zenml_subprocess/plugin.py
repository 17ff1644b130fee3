"""The module the ``zenml.plugins`` entry point names. Keep it light: register by import path,
so that `zenml orchestrator flavors` never imports your implementation's dependencies."""

from __future__ import annotations

from zenml_core.plugin import ComponentRegistrar, hookimpl


@hookimpl
def zenml_register_orchestrators(registry: ComponentRegistrar) -> None:
    registry.add(
        "subprocess",
        implementation="zenml_subprocess.orchestrator:SubprocessOrchestrator",
        config="zenml_subprocess.orchestrator:SubprocessOrchestratorConfig",
        description="Runs every step in its own Python process on this machine.",
    )
