"""Translate a ``PipelineSpec`` into the Python source of an Apache Airflow DAG file.

One ``BashOperator`` task per step, running ``python -m zenml_airflow.entrypoint --step
NAME`` in the repository; dependencies mirror the DAG (inputs, ``after=``, ``when=``). What
a run needs (the spec, the stack document, the import path) sits in the run's folder, whose
path each DAG run carries in its conf (``zenml_folder``): the file is the pipeline's shape,
one per pipeline, and holds no secret. Retries and timeouts come from the step settings and
become Airflow's (the step runner then does not retry itself). A mapped step's items run
inside its task, after the split: the number of items is known only at run time.

Compiling imports nothing of Airflow.
"""

from __future__ import annotations

import re

from zenml_core.config.environment import RETRIES_BY_ORCHESTRATOR_ENV
from zenml_core.pipelines.spec import PipelineSpec

ENTRYPOINT = "zenml_airflow.entrypoint"
FOLDER_ENV = "ZENML_AIRFLOW_FOLDER"
CONF_FOLDER = "zenml_folder"
CONF_RUN_ID = "zenml_run_id"
CONF_RUN_NAME = "zenml_run_name"
_TASK_ID = re.compile(r"[^A-Za-z0-9_.-]")


def dag_id(spec: PipelineSpec, prefix: str) -> str:
    return _TASK_ID.sub("_", f"{prefix}{spec.name}")


def task_ids(spec: PipelineSpec) -> dict[str, str]:
    """Each step's Airflow task id: letters, digits, ``_``, ``.`` and ``-`` only, unique."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for step in spec.steps:
        base = _TASK_ID.sub("_", step.name) or "step"
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base}_{number}", number + 1
        taken.add(candidate)
        ids[step.name] = candidate
    return ids


def dag_source(spec: PipelineSpec, *, dag_id: str, python: str, cwd: str) -> str:
    """The DAG file of ``spec``: tasks run steps with ``python`` in folder ``cwd``."""
    ids = task_ids(spec)
    lines = [
        f'"""zenml pipeline {spec.name!r}, compiled by zenml-airflow: one task per step.',
        "",
        "Written again by every `zenml pipeline run`; do not edit.",
        '"""',
        "",
        "import datetime",
        "",
        "from airflow.providers.standard.operators.bash import BashOperator",
        "from airflow.sdk import DAG",
        "",
        "ENV = {",
        f"    {FOLDER_ENV!r}: \"{{{{ dag_run.conf.get('{CONF_FOLDER}', '') }}}}\",",
        f"    {RETRIES_BY_ORCHESTRATOR_ENV!r}: '1',",
        "}",
        "",
        "with DAG(",
        f"    dag_id={dag_id!r},",
        "    schedule=None,",
        "    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),",
        "    catchup=False,",
        f"    tags=['zenml', {spec.name!r}],",
        f"    description={f'zenml pipeline {spec.name}'!r},",
        ") as dag:",
        "    tasks = {}",
    ]
    for step in spec.steps:
        command = [python, "-m", ENTRYPOINT, "--step", step.name]
        if step.mapped:
            command.append("--with-map-items")
        settings = step.settings
        options = [
            f"task_id={ids[step.name]!r}",
            f"bash_command={_shell(command)!r}",
            "env=ENV",
            "append_env=True",
            f"cwd={cwd!r}",
            f"retries={settings.retries}",
            f"retry_delay=datetime.timedelta(seconds={settings.retry_delay!r})",
        ]
        if settings.retry_backoff > 1:
            options.append("retry_exponential_backoff=True")
        if settings.timeout is not None:
            options.append(f"execution_timeout=datetime.timedelta(seconds={settings.timeout!r})")
        lines.append(f"    tasks[{step.name!r}] = BashOperator({', '.join(options)})")
    for step in spec.steps:
        for upstream in step.upstream:
            lines.append(f"    tasks[{upstream!r}] >> tasks[{step.name!r}]")
    return "\n".join(lines) + "\n"


def _shell(command: list[str]) -> str:
    """The command as one shell line; a trailing space keeps Airflow from reading a command
    that ends in ``.sh`` as a template file's name."""
    import shlex

    return shlex.join(command) + " "
