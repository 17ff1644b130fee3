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

import datetime
import re
from typing import Any

from zenml_core.config.environment import RETRIES_BY_ORCHESTRATOR_ENV
from zenml_core.pipelines.spec import PipelineSpec

ENTRYPOINT = "zenml_airflow.entrypoint"
FOLDER_ENV = "ZENML_AIRFLOW_FOLDER"
CONF_FOLDER = "zenml_folder"
CONF_RUN_ID = "zenml_run_id"
CONF_RUN_NAME = "zenml_run_name"
_TASK_ID = re.compile(r"[^A-Za-z0-9_.-]")


def safe_id(text: str) -> str:
    """``text`` in Airflow's alphabet for ids (letters, digits, ``_``, ``.``, ``-``)."""
    return _TASK_ID.sub("_", text)


def dag_id(spec: PipelineSpec, prefix: str) -> str:
    return safe_id(f"{prefix}{spec.name}")


def task_ids(spec: PipelineSpec) -> dict[str, str]:
    """Each step's Airflow task id: letters, digits, ``_``, ``.`` and ``-`` only, unique."""
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for step in spec.steps:
        base = safe_id(step.name) or "step"
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base}_{number}", number + 1
        taken.add(candidate)
        ids[step.name] = candidate
    return ids


SCHEDULE_ENV = "ZENML_AIRFLOW_SCHEDULE"
DAG_ID_ENV = "ZENML_AIRFLOW_DAG_ID"
DAG_RUN_ENV = "ZENML_AIRFLOW_DAG_RUN"
OPEN_TASK, CLOSE_TASK = "zenml_open_run", "zenml_close_run"


def _schedule_arguments(timing: dict[str, Any]) -> list[str]:
    """The DAG's keyword arguments for a schedule's timing (see zenml_core's ``Timing``)."""
    zone = f"zoneinfo.ZoneInfo({timing['timezone']!r})"
    if timing.get("cron"):
        when = repr(timing["cron"])
    else:
        when = f"datetime.timedelta(seconds={float(timing['interval_seconds'])!r})"
    start = timing.get("start") or datetime.datetime.now(datetime.timezone.utc).isoformat()
    arguments = [
        f"schedule={when}",
        f"start_date=_at({start!r}, {zone})",
        f"catchup={bool(timing.get('catchup'))!r}",
        "is_paused_upon_creation=False",
    ]
    if timing.get("end"):
        arguments.append(f"end_date=_at({timing['end']!r}, {zone})")
    return arguments


def dag_source(
    spec: PipelineSpec,
    *,
    dag_id: str,
    python: str,
    cwd: str,
    schedule: str | None = None,
    timing: dict[str, Any] | None = None,
    folder: str | None = None,
) -> str:
    """The DAG file of ``spec``: tasks run steps with ``python`` in folder ``cwd``.

    With ``schedule`` (its name, ``timing`` and pinned run ``folder``) the DAG runs on
    Airflow's schedule: a first task opens the run record (each DAG run is a zenml run), a last
    one closes it whatever happened before (trigger rule ``all_done``)."""
    ids = task_ids(spec)
    folder_value = (
        repr(folder) if folder is not None
        else f"\"{{{{ dag_run.conf.get('{CONF_FOLDER}', '') }}}}\""
    )  # fmt: skip
    lines = [
        f'"""zenml pipeline {spec.name!r}, compiled by zenml-airflow: one task per step.',
        "",
        (
            f"Written by `zenml pipeline schedule` for schedule {schedule!r}; do not edit."
            if schedule is not None
            else "Written again by every `zenml pipeline run`; do not edit."
        ),
        '"""',
        "",
        "import datetime",
        "",
        "from airflow.providers.standard.operators.bash import BashOperator",
        "from airflow.sdk import DAG",
        "",
        "ENV = {",
        f"    {FOLDER_ENV!r}: {folder_value},",
        f"    {RETRIES_BY_ORCHESTRATOR_ENV!r}: '1',",
    ]
    if schedule is not None:
        lines += [
            f"    {SCHEDULE_ENV!r}: {schedule!r},",
            f"    {DAG_ID_ENV!r}: {dag_id!r},",
            f"    {DAG_RUN_ENV!r}: '{{{{ run_id }}}}',",
        ]
    lines += ["}", ""]
    if schedule is not None and timing is not None:
        lines[lines.index("import datetime") + 1 : lines.index("import datetime") + 1] = [
            "import zoneinfo"
        ]
        lines += [
            "",
            "def _at(text, zone):",
            "    moment = datetime.datetime.fromisoformat(text)",
            "    return moment if moment.tzinfo else moment.replace(tzinfo=zone)",
            "",
        ]
        timing_arguments = _schedule_arguments(timing)
        description = f"zenml schedule {schedule} of pipeline {spec.name}"
    else:
        timing_arguments = [
            "schedule=None",
            "start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc)",
            "catchup=False",
        ]
        description = f"zenml pipeline {spec.name}"
    lines += [
        "with DAG(",
        f"    dag_id={dag_id!r},",
        *(f"    {argument}," for argument in timing_arguments),
        f"    tags=['zenml', {spec.name!r}],",
        f"    description={description!r},",
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
    if schedule is not None:
        close_rule = ", trigger_rule='all_done'"  # closes the run whatever happened before
        ends = ((OPEN_TASK, "--open-run", ""), (CLOSE_TASK, "--close-run", close_rule))
        for task, flag, rule in ends:
            line = _shell([python, "-m", ENTRYPOINT, flag])
            lines.append(
                f"    {task} = BashOperator(task_id={task!r}, bash_command={line!r}, env=ENV,"
                f" append_env=True, cwd={cwd!r}{rule})"
            )
        for step in spec.steps:
            if not step.upstream:
                lines.append(f"    {OPEN_TASK} >> tasks[{step.name!r}]")
            lines.append(f"    tasks[{step.name!r}] >> {CLOSE_TASK}")
    return "\n".join(lines) + "\n"


def _shell(command: list[str]) -> str:
    """The command as one shell line; a trailing space keeps Airflow from reading a command
    that ends in ``.sh`` as a template file's name."""
    import shlex

    return shlex.join(command) + " "
