"""The core's own defaults, registered through the same hooks as any plugin."""

from __future__ import annotations

from zenml_core.plugin import hookimpl
from zenml_core.plugin.registry import ComponentRegistrar


@hookimpl
def zenml_register_artifact_stores(registry: ComponentRegistrar) -> None:
    registry.add(
        "local",
        implementation="zenml_core.artifact_stores.local:LocalArtifactStore",
        config="zenml_core.artifact_stores.local:LocalArtifactStoreConfig",
        description="A folder on this machine.",
    )


@hookimpl
def zenml_register_metadata_stores(registry: ComponentRegistrar) -> None:
    registry.add(
        "sqlite",
        implementation="zenml_core.metadata_stores.sqlite:SQLiteMetadataStore",
        config="zenml_core.metadata_stores.sqlite:SQLiteMetadataStoreConfig",
        description="A SQLite database file (WAL mode).",
    )


@hookimpl
def zenml_register_orchestrators(registry: ComponentRegistrar) -> None:
    registry.add(
        "local",
        implementation="zenml_core.orchestrators.local:LocalOrchestrator",
        config="zenml_core.orchestrators.local:LocalOrchestratorConfig",
        description="Runs steps in this process, independent steps concurrently.",
    )
