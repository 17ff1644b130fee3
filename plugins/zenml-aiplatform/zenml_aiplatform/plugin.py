"""Entry point module: registers by import path, so listing flavors never imports Google's
libraries (``google.cloud.aiplatform`` alone takes about 2.5 s to import)."""

from __future__ import annotations

from zenml_core.plugin import ComponentRegistrar, hookimpl


@hookimpl
def zenml_register_artifact_stores(registry: ComponentRegistrar) -> None:
    registry.add(
        "gcs",
        implementation="zenml_aiplatform.gcs:GCSArtifactStore",
        config="zenml_aiplatform.config:GCSArtifactStoreConfig",
        description="Artifacts in a Google Cloud Storage bucket (gs://), write-once.",
    )


@hookimpl
def zenml_register_orchestrators(registry: ComponentRegistrar) -> None:
    registry.add(
        "vertex",
        implementation="zenml_aiplatform.orchestrator:VertexOrchestrator",
        config="zenml_aiplatform.config:VertexOrchestratorConfig",
        description="Runs pipelines as Vertex AI PipelineJobs (compiled by zenml-kubeflow).",
    )


@hookimpl
def zenml_register_training_backends(registry: ComponentRegistrar) -> None:
    registry.add(
        "vertex",
        implementation="zenml_aiplatform.training:VertexTrainingBackend",
        config="zenml_aiplatform.config:VertexTrainingBackendConfig",
        description="Runs training steps as Vertex AI CustomJobs on chosen machines and GPUs.",
    )
