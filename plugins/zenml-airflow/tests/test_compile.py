"""The DAG file: valid Python, one task per step with Airflow-safe ids, the DAG's edges, the
step settings as Airflow's retries and timeouts, and no secret; compiling imports no Airflow."""

from __future__ import annotations

import ast
import subprocess
import sys

from zenml_airflow.compiler import dag_source, task_ids

from zenml_core.pipelines import pipeline
from zenml_core.steps import step
from zenml_core.testing import pipelines


def source(target, **parameters) -> str:  # type: ignore[no-untyped-def]
    return dag_source(target.compile(**parameters), dag_id="zenml_x", python="/py", cwd="/repo")


def _calls(text: str) -> dict[str, dict[str, object]]:
    """BashOperator keyword arguments by task id, read from the source."""
    found = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "BashOperator":
            options = {k.arg: ast.unparse(k.value) for k in node.keywords}
            found[ast.literal_eval(options["task_id"])] = options
    return found


def test_one_task_per_step_with_the_dag_s_edges() -> None:
    text = source(pipelines.diamond)
    spec = pipelines.diamond.compile()
    assert set(_calls(text)) == {step.name for step in spec.steps}
    for step_spec in spec.steps:
        for upstream in step_spec.upstream:
            assert f"tasks[{upstream!r}] >> tasks[{step_spec.name!r}]" in text
    command = ast.literal_eval(_calls(text)["combine"]["bash_command"])
    assert command == "/py -m zenml_airflow.entrypoint --step combine "


@step(retries=2, retry_delay=5, retry_backoff=2.0, timeout=30)
def careful() -> int:
    return 1


@step
def plain() -> int:
    return 2


@pipeline
def settings_flow():
    careful()
    plain()


def test_retries_and_timeouts_become_airflow_s() -> None:
    calls = _calls(source(settings_flow))
    careful_task = calls["careful"]
    assert careful_task["retries"] == "2"
    assert careful_task["retry_delay"] == "datetime.timedelta(seconds=5.0)"
    assert careful_task["retry_exponential_backoff"] == "True"
    assert careful_task["execution_timeout"] == "datetime.timedelta(seconds=30.0)"
    assert "execution_timeout" not in calls["plain"] and calls["plain"]["retries"] == "0"
    text = source(settings_flow)
    assert "'ZENML_RETRIES_BY_ORCHESTRATOR': '1'" in text  # the step runner does not retry too


def test_a_mapped_step_runs_its_items_in_its_task() -> None:
    calls = _calls(source(pipelines.mapped))
    mapped = [c for c in calls.values() if "--with-map-items" in str(c["bash_command"])]
    assert len(mapped) == 1
    assert not any("[" in task for task in calls)


def test_task_ids_are_airflow_safe_and_unique() -> None:
    spec = pipelines.linear.compile()
    ids = task_ids(spec)
    assert all(set(task) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
               for task in ids.values())  # fmt: skip
    assert len(set(ids.values())) == len(ids)


def test_compiling_imports_no_airflow() -> None:
    code = (
        "import sys; from zenml_airflow.compiler import dag_source;"
        "from zenml_core.testing import pipelines;"
        "dag_source(pipelines.linear.compile(), dag_id='d', python='p', cwd='c');"
        "assert not any(m == 'airflow' or m.startswith('airflow.') for m in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_a_scheduled_dag_opens_and_closes_its_run_around_the_steps() -> None:
    spec = pipelines.linear.compile()
    timing = {"cron": "0 3 * * *", "interval_seconds": None, "timezone": "Europe/Berlin",
              "start": "2026-12-24T01:00", "end": None, "catchup": True}  # fmt: skip
    text = dag_source(spec, dag_id="zenml_nightly", python="/py", cwd="/repo",
                      schedule="nightly", timing=timing, folder="/pinned/run")  # fmt: skip
    ast.parse(text)
    assert "schedule='0 3 * * *'," in text
    assert "start_date=_at('2026-12-24T01:00', zoneinfo.ZoneInfo('Europe/Berlin'))," in text
    assert "catchup=True," in text and "is_paused_upon_creation=False," in text
    assert "'ZENML_AIRFLOW_FOLDER': '/pinned/run'," in text  # pinned, not a DAG run's conf
    assert "'ZENML_AIRFLOW_SCHEDULE': 'nightly'," in text
    assert "'ZENML_AIRFLOW_DAG_RUN': '{{ run_id }}'," in text
    assert "task_id='zenml_close_run'" in text and "trigger_rule='all_done'" in text
    roots = [s.name for s in spec.steps if not s.upstream]
    for name in roots:
        assert f"zenml_open_run >> tasks[{name!r}]" in text
    for step_spec in spec.steps:
        assert f"tasks[{step_spec.name!r}] >> zenml_close_run" in text
    interval = dict(timing, cron=None, interval_seconds=90)
    every = dag_source(spec, dag_id="d", python="/py", cwd="/repo", schedule="s",
                       timing=interval, folder="/f")  # fmt: skip
    assert "schedule=datetime.timedelta(seconds=90.0)," in every
