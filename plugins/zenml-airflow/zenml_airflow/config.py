"""Configuration of the ``airflow`` orchestrator (kept free of Airflow imports)."""

from __future__ import annotations

from attrs import field, frozen

from zenml_core.config.secrets import secret_field
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
    - ``timeout``: seconds a run may take before zenml stops waiting (a local run is
      stopped; a run on a server goes on and is followed).
    - ``server_url``: an Airflow API server (``http://host:8080``) to trigger DAG runs on,
      instead of running them here; its DAG processor must read ``dags_folder``, its workers
      reach the stores, and the stack's secrets be in its workers' environment. ``username``
      and ``password`` (or ``password_env``, a variable's name) fetch its API token. With
      ``wait`` zenml waits for the DAG run; without, ``zenml runs show`` follows it.
      ``parse_timeout``: seconds to wait for the server to parse a new or changed DAG file.
    """

    dags_folder: str = ".zen/airflow/dags"
    airflow_home: str = ".zen/airflow/home"
    dag_id_prefix: str = "zenml_"
    airflow_command: str | None = None
    python: str | None = None
    timeout: int = field(default=3600, validator=positive)
    server_url: str | None = None
    username: str | None = None
    password: str | None = secret_field(default=None)
    password_env: str | None = None  # the variable holding the password instead
    wait: bool = True
    poll_interval: float = field(default=2.0, validator=positive)
    parse_timeout: int = field(default=120, validator=positive)
