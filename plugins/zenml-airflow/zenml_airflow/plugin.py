"""Entry point module: registers by import path, so listing flavors never imports Airflow."""

from __future__ import annotations

from zenml_core.plugin import ComponentRegistrar, hookimpl


@hookimpl
def zenml_register_orchestrators(registry: ComponentRegistrar) -> None:
    registry.add(
        "airflow",
        implementation="zenml_airflow.orchestrator:AirflowOrchestrator",
        config="zenml_airflow.config:AirflowOrchestratorConfig",
        description="Compiles pipelines to Apache Airflow DAGs; runs them locally (dags test).",
    )
