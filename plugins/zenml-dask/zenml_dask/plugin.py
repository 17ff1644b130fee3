"""Entry point module: registers by import path, so listing flavors never imports Dask."""

from __future__ import annotations

from zenml_core.plugin import ComponentRegistrar, hookimpl


@hookimpl
def zenml_register_processing_backends(registry: ComponentRegistrar) -> None:
    registry.add(
        "dask",
        implementation="zenml_dask.backend:DaskProcessingBackend",
        config="zenml_dask.backend:DaskProcessingBackendConfig",
        description="Shard work on a Dask cluster (a scheduler address, or one started per step).",
    )
