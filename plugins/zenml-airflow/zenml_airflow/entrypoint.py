"""What an Airflow task runs: ``python -m zenml_airflow.entrypoint --step NAME`` (or, in a
scheduled DAG, ``--open-run`` first and ``--close-run`` last).

The run's folder comes through ``ZENML_AIRFLOW_FOLDER`` (a triggered DAG run's conf, or the
schedule's pinned folder); it holds the spec, the stack document and ``airflow.json`` (run id
and name when triggered by zenml, and the import path). A scheduled DAG run has no submitting
process: its zenml run id is derived from Airflow's run id, its first task opens the record
and its last one closes it, whatever happened in between.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any

from zenml_airflow.compiler import CONF_FOLDER, DAG_ID_ENV, DAG_RUN_ENV, FOLDER_ENV, SCHEDULE_ENV

RUN_FILE = "airflow.json"


def scheduled_run_id(schedule: str, dag_run: str) -> str:
    """The zenml run id of one DAG run of a schedule (the same in each of its tasks)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"zenml-airflow/{schedule}/{dag_run}").hex


def _stack_and_spec(folder: Path) -> tuple[Any, Any, Any]:
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import create_plugin_manager
    from zenml_core.stack.builder import stack_from_document

    plugins = create_plugin_manager()
    spec = PipelineSpec.from_json((folder / "spec.json").read_text(encoding="utf-8"))
    document = json.loads((folder / "stack.json").read_text(encoding="utf-8"))
    stack = stack_from_document(document, plugins, root=Path.cwd(), with_orchestrator=False)
    stack.metadata_store.reap_on_read = False  # a task never judges another process's life
    return stack, spec, plugins


def open_scheduled_run(folder: Path, schedule: str, dag_run: str) -> int:
    from zenml_core.execution.lifecycle import open_run

    stack, spec, _ = _stack_and_spec(folder)
    run_id = scheduled_run_id(schedule, dag_run)
    record = open_run(spec, stack, None, run_id=run_id, schedule=schedule)
    # followed through the orchestrator (no process of its own beats for it)
    dag = os.environ.get(DAG_ID_ENV, "")
    stack.metadata_store.set_orchestrator_run_id(run_id, f"{dag}/{dag_run}", released=True)
    print(f"opened run {record.name} of schedule {schedule!r}")
    return 0


def close_scheduled_run(folder: Path, schedule: str, dag_run: str) -> int:
    """Close the run with how each step ended; exit 1 if it failed (so the DAG run fails)."""
    import datetime

    from zenml_core.execution.context import RunContext, RunStatus
    from zenml_core.execution.lifecycle import close_run, run_failure
    from zenml_core.orchestrators.remote import outcomes_after_remote_run

    stack, _, plugins = _stack_and_spec(folder)
    record = stack.metadata_store.get_run(scheduled_run_id(schedule, dag_run))
    if record.status != RunStatus.RUNNING or not stack.metadata_store.claim_run(
        record.id, datetime.timedelta(0)
    ):
        return 0 if record.status == RunStatus.COMPLETED else 1
    context = RunContext.for_record(record, stack, plugins)
    outcomes = outcomes_after_remote_run(
        context, 0.0, error=None, not_reached="not run: Airflow did not start it"
    )
    error = run_failure(list(outcomes.values()))
    status = RunStatus.FAILED if error else RunStatus.COMPLETED
    close_run(stack, context.spec, record.id, status, error, list(outcomes.values()))
    print(f"closed run {record.name}: {status}" + (f" ({error})" if error else ""))
    return 1 if error else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zenml_airflow.entrypoint")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--step")
    action.add_argument("--open-run", action="store_true")
    action.add_argument("--close-run", action="store_true")
    parser.add_argument("--with-map-items", action="store_true")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    folder_text = os.environ.get(FOLDER_ENV)
    if not folder_text:
        print(
            f"this DAG run carries no zenml run folder (conf {CONF_FOLDER!r}); start runs with "
            "`zenml pipeline run` (or pipeline.run()), which triggers the DAG with it",
            file=sys.stderr,
        )
        return 2
    folder = Path(folder_text)
    schedule, dag_run = os.environ.get(SCHEDULE_ENV), os.environ.get(DAG_RUN_ENV, "")
    if args.open_run or args.close_run:
        if not schedule:
            print("--open-run and --close-run belong to scheduled DAGs", file=sys.stderr)
            return 2
        handle = open_scheduled_run if args.open_run else close_scheduled_run
        return handle(folder, schedule, dag_run)
    from zenml_core.execution.invocation import StepInvocation, execute, exit_code, prepare

    run = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    if schedule:
        run_id = scheduled_run_id(schedule, dag_run)
        stack, _, _ = _stack_and_spec(folder)
        run_name = stack.metadata_store.get_run(run_id).name
    else:
        run_id, run_name = run["run_id"], run["run_name"]
    invocation = StepInvocation(
        run_id=run_id,
        run_name=run_name,
        step=args.step,
        spec=str(folder / "spec.json"),
        stack=str(folder / "stack.json"),
        python_path=tuple(run["python_path"]),
        with_map_items=args.with_map_items,
    )
    return exit_code(execute(prepare(invocation), invocation))


if __name__ == "__main__":
    sys.exit(main())
