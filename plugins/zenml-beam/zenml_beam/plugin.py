"""Entry point module: registers by import path, so listing flavors never imports Beam."""

from __future__ import annotations

from zenml_core.plugin import ComponentRegistrar, hookimpl


@hookimpl
def zenml_register_processing_backends(registry: ComponentRegistrar) -> None:
    registry.add(
        "beam",
        implementation="zenml_beam.backend:BeamProcessingBackend",
        config="zenml_beam.backend:BeamProcessingBackendConfig",
        description="Shard work as an Apache Beam pipeline on the DirectRunner.",
    )
    registry.add(
        "dataflow",
        implementation="zenml_beam.dataflow:DataflowProcessingBackend",
        config="zenml_beam.dataflow:DataflowProcessingBackendConfig",
        description="Shard work as Apache Beam jobs on Google Cloud Dataflow (runner v2).",
        extras=("dataflow",),
    )
