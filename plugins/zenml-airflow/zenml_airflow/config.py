"""Configuration of the ``airflow`` orchestrator (kept free of Airflow imports)."""

from __future__ import annotations

from attrs import field, frozen

from zenml_core.config.validators import positive


@frozen(kw_only=True)
class AirflowOrchestratorConfig:
    """Settings of the ``airflow`` orchestrator.

    - ``dags_folder``: where compiled DAG files are written (relative to the repository root
      unless absolute); the Airflow that runs them must read this folder.
    - ``airflow_home``: the ``AIRFLOW_HOME`` of local runs (its SQLite database is created on
      first use).
    - ``dag_id_prefix``: DAG ids are ``<prefix><pipeline>``.
    - ``airflow_command``: the ``airflow`` executable (None: the one beside this Python, else
      the one on PATH); ``python``: the interpreter tasks run steps with (None: this one).
    - ``timeout``: seconds a local run may take before it is stopped.
    """

    dags_folder: str = ".zen/airflow/dags"
    airflow_home: str = ".zen/airflow/home"
    dag_id_prefix: str = "zenml_"
    airflow_command: str | None = None
    python: str | None = None
    timeout: int = field(default=3600, validator=positive)
