"""The ``airflow`` orchestrator: compile the pipeline into an Airflow DAG file and run it.

Each run writes the DAG file into ``dags_folder`` and the run's documents into its run folder.
Then, with ``server_url``, it waits for the server's DAG processor to parse the file, triggers
a DAG run through the REST API (its id recorded with the run) and follows it; otherwise it
runs the DAG on this machine with ``airflow dags test`` (Airflow's own task runner, retries
and timeouts; tasks one at a time) in ``airflow_home``. The tasks record into the stack's
metadata store themselves; afterwards the orchestrator reads back how each step ended, and
records the steps Airflow never started (behind a failed one) as skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from zenml_airflow.api import AirflowApi, AirflowApiError
from zenml_airflow.compiler import (
    CLOSE_TASK,
    CONF_FOLDER,
    CONF_RUN_ID,
    CONF_RUN_NAME,
    OPEN_TASK,
    dag_id,
    dag_source,
    safe_id,
    task_ids,
)
from zenml_airflow.config import AirflowOrchestratorConfig
from zenml_airflow.entrypoint import RUN_FILE
from zenml_core.errors import ZenMLError
from zenml_core.orchestrators.base import BaseOrchestrator
from zenml_core.orchestrators.external import write_run_documents
from zenml_core.orchestrators.remote import RemoteState, Submitted, outcomes_after_remote_run

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome
    from zenml_core.metadata_stores.records import RunRecord, ScheduleRecord
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack

# What a task printed, inside Airflow's log line: `<time> [info     ] <text> [airflow.task...`
_TASK_OUTPUT = re.compile(r"^\S+ \[\w+\s*\] (?P<text>.*?)\s+\[airflow\.task\.hooks\.")


class AirflowOrchestratorError(ZenMLError):
    """The pipeline cannot be compiled or run on Airflow as configured."""


class AirflowOrchestrator(BaseOrchestrator[AirflowOrchestratorConfig]):
    """Compiles to a DAG file; runs it locally with ``airflow dags test``."""

    def _path(self, configured: str) -> Path:
        path = Path(configured)
        return path if path.is_absolute() else self.root / path

    def dag_id(self, spec: PipelineSpec) -> str:
        return dag_id(spec, self.config.dag_id_prefix)

    def compile(self, spec: PipelineSpec) -> str:
        """The DAG file's source for ``spec`` (nothing of Airflow is imported)."""
        python = self.config.python or sys.executable
        return dag_source(spec, dag_id=self.dag_id(spec), python=python, cwd=str(self.root))

    def write_dag(self, spec: PipelineSpec) -> Path:
        """Write the DAG file into ``dags_folder`` (replaced in one step); its path."""
        return self._write_dag_file(self.dag_id(spec), self.compile(spec))

    def _write_dag_file(self, dag: str, source: str) -> Path:
        folder = self._path(self.config.dags_folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{dag}.py"
        temporary = folder / f".{path.name}.tmp"
        temporary.write_text(source, encoding="utf-8")
        os.replace(temporary, path)
        return path

    def airflow_command(self) -> str:
        configured = self.config.airflow_command
        if configured:
            if shutil.which(configured) is None:
                raise AirflowOrchestratorError(
                    f"orchestrator {self.name!r}: airflow_command {configured!r} is not an "
                    "executable here; point it at the `airflow` of the venv Airflow is in"
                )
            return configured
        beside = Path(sys.executable).with_name("airflow")
        found = str(beside) if beside.exists() else shutil.which("airflow")
        if not found:
            raise AirflowOrchestratorError(
                "no `airflow` command here: install Apache Airflow with zenml-airflow's "
                "constraints (pip install -c constraints.txt 'zenml-airflow[airflow]'), or set "
                "the orchestrator's airflow_command"
            )
        return found

    def environment(self) -> dict[str, str]:
        """The environment of Airflow's commands: its home, the DAGs folder, no examples,
        and the folder of the `airflow` command first on PATH (Airflow starts its parts by
        that name)."""
        command = Path(self.airflow_command())
        return {
            **os.environ,
            "AIRFLOW_HOME": str(self._path(self.config.airflow_home)),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self._path(self.config.dags_folder)),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "PATH": f"{command.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }

    def _ensure_database(self, environment: dict[str, str]) -> None:
        home = self._path(self.config.airflow_home)
        if (home / "airflow.db").exists():
            return
        home.mkdir(parents=True, exist_ok=True)
        migrated = subprocess.run(
            [self.airflow_command(), "db", "migrate"],
            env=environment, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if migrated.returncode != 0:
            last = (migrated.stderr or migrated.stdout).strip().splitlines()[-1:]
            raise AirflowOrchestratorError(
                f"`airflow db migrate` in {home} failed: {' '.join(last) or migrated.returncode}"
            )

    def run(self, context: RunContext) -> dict[str, StepOutcome] | Submitted:
        from zenml_core.stack.builder import secret_environment

        cached = _all_from_cache(context)
        if cached is not None:
            context.reporter.line("every step comes from the cache: Airflow is not started")
            return cached
        folder = write_run_documents(context)
        python_path = [entry for entry in sys.path if entry]
        run = {"run_id": context.run_id, "run_name": context.run_name, "python_path": python_path}
        (folder / RUN_FILE).write_text(json.dumps(run), encoding="utf-8")
        self.write_dag(context.spec)
        conf = {CONF_RUN_ID: context.run_id, CONF_RUN_NAME: context.run_name,
                CONF_FOLDER: str(folder)}  # fmt: skip
        if self.config.server_url:
            return self._trigger(context, conf)
        environment = {**self.environment(), **secret_environment(context.stack)}
        self._ensure_database(environment)
        dag = self.dag_id(context.spec)
        log_path = folder / "airflow.log"
        context.reporter.line(f"running DAG {dag} with `airflow dags test` (log: {log_path})")
        started = time.perf_counter()
        code = self._dags_test(context, dag, conf, environment, log_path)
        error = None
        if code != 0:
            error = f"`airflow dags test {dag}` exited with code {code}; see {log_path}"
        return outcomes_after_remote_run(
            context,
            time.perf_counter() - started,
            error=error,
            not_reached="not run: Airflow did not start it (a task it depends on failed)",
        )

    # -- on an Airflow server ------------------------------------------------------------------

    def _api(self) -> AirflowApi:
        assert self.config.server_url is not None
        password = self.config.password
        if self.config.password_env:
            password = os.environ.get(self.config.password_env)
            if password is None:
                raise AirflowOrchestratorError(
                    f"orchestrator {self.name!r}: {self.config.password_env} (password_env) is "
                    "not set; export it, or register the orchestrator with --password"
                )
        return AirflowApi(self.config.server_url, self.config.username, password)

    def _wait_for_parse(self, api: AirflowApi, dag: str, expected: set[str]) -> None:
        """Until the server's DAG processor has parsed DAG ``dag`` with these tasks."""
        deadline = time.monotonic() + self.config.parse_timeout
        while True:
            if api.task_ids(dag) == expected:
                return
            if time.monotonic() > deadline:
                errors = api.import_errors(f"{dag}.py")
                why = f": {errors[0]}" if errors else ""
                raise AirflowOrchestratorError(
                    f"Airflow at {self.config.server_url} did not load DAG {dag} from "
                    f"{self._path(self.config.dags_folder)} within {self.config.parse_timeout} s"
                    f"{why}; its DAG processor must read that folder"
                )
            time.sleep(min(self.config.poll_interval, 1.0))

    def _trigger(
        self, context: RunContext, conf: dict[str, str]
    ) -> dict[str, StepOutcome] | Submitted:
        api = self._api()
        dag, dag_run = self.dag_id(context.spec), f"zenml-{context.run_id}"
        self._wait_for_parse(api, dag, set(task_ids(context.spec).values()))
        api.unpause(dag)
        started = time.perf_counter()
        api.trigger(dag, dag_run, conf)
        remote_id = f"{dag}/{dag_run}"
        # recorded at once: should this process die while waiting, reading the run follows it
        context.stack.metadata_store.set_orchestrator_run_id(context.run_id, remote_id)
        where = f"{self.config.server_url}/dags/{dag}/runs/{dag_run}"
        if not self.config.wait:
            return Submitted(remote_id, where)
        context.reporter.line(f"triggered DAG run {dag_run} of {dag} on Airflow ({where})")
        deadline = time.monotonic() + self.config.timeout
        while True:
            state = self._state(api, dag, dag_run)
            if state.ended:
                break
            if time.monotonic() > deadline:
                context.reporter.line(
                    f"still running after {self.config.timeout} s; the DAG run goes on and "
                    "`zenml runs show` follows it"
                )
                return Submitted(remote_id, where)
            time.sleep(self.config.poll_interval)
        return outcomes_after_remote_run(
            context,
            time.perf_counter() - started,
            error=state.error,
            not_reached=f"not run: Airflow DAG run {dag_run} ended {state.state}",
        )

    def _state(self, api: AirflowApi, dag: str, dag_run: str) -> RemoteState:
        state = str(api.dag_run(dag, dag_run).get("state") or "unknown")
        ended, failed = state in ("success", "failed"), state == "failed"
        error = None
        if failed:
            tasks = api.task_states(dag, dag_run)
            broken = sorted(task for task, task_state in tasks.items() if task_state == "failed")
            error = f"Airflow DAG run {dag_run} failed" + (
                f" (failed tasks: {', '.join(broken)})" if broken else ""
            )
        return RemoteState(state, ended=ended, failed=failed, error=error)

    def remote_state(self, run: RunRecord) -> RemoteState | None:
        """The DAG run's state on the server; an unreachable server leaves the run as it is."""
        if not self.config.server_url or not run.orchestrator_run_id:
            return None
        dag, _, dag_run = run.orchestrator_run_id.partition("/")
        try:
            return self._state(self._api(), dag, dag_run)
        except AirflowApiError as exc:
            return RemoteState(f"unknown: {exc}")

    # -- schedules (on a server: its scheduler starts the runs) -------------------------------

    def _schedule_dag_id(self, schedule: ScheduleRecord) -> str:
        return safe_id(f"{self.config.dag_id_prefix}{schedule.name}")

    def create_schedule(
        self, schedule: ScheduleRecord, stack: Stack, plugins: PluginManager
    ) -> str:
        """A DAG file with the schedule's timing whose tasks run the pinned spec and code;
        waited for until the server parsed it, then unpaused."""
        from zenml_core.errors import ScheduleError
        from zenml_core.pipelines.spec import PipelineSpec
        from zenml_core.stack.builder import stack_document

        if not self.config.server_url:
            raise ScheduleError(
                f"orchestrator {self.name!r} runs DAGs with `airflow dags test`, which has no "
                "scheduler; give it server_url (an Airflow server) to run schedules"
            )
        spec = PipelineSpec.from_json(schedule.spec_json, source=f"schedule {schedule.name}")
        code = Path(schedule.folder)
        folder = code.parent / "run"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "spec.json").write_text(schedule.spec_json, encoding="utf-8")
        document = stack_document(stack, plugins.registry)
        (folder / "stack.json").write_text(json.dumps(document), encoding="utf-8")
        (folder / RUN_FILE).write_text(json.dumps({"python_path": [str(code)]}), encoding="utf-8")
        dag = self._schedule_dag_id(schedule)
        # tasks run in the repository (the stack's relative paths are the repository's) and
        # import the pinned copy first
        source = dag_source(
            spec, dag_id=dag, python=self.config.python or sys.executable, cwd=str(self.root),
            schedule=schedule.name, timing=schedule.timing, folder=str(folder),
        )  # fmt: skip
        self._write_dag_file(dag, source)
        api = self._api()
        self._wait_for_parse(api, dag, set(task_ids(spec).values()) | {OPEN_TASK, CLOSE_TASK})
        if not schedule.paused:
            api.unpause(dag)
        return dag

    def set_schedule_paused(self, schedule: ScheduleRecord, paused: bool) -> None:
        api = self._api()
        dag = schedule.orchestrator_schedule_id or self._schedule_dag_id(schedule)
        if paused:
            api.pause(dag)
        else:
            api.unpause(dag)

    def delete_schedule(self, schedule: ScheduleRecord) -> None:
        """Pause the DAG and remove its file (the server then marks it stale)."""
        dag = schedule.orchestrator_schedule_id or self._schedule_dag_id(schedule)
        if self.config.server_url:
            # gone already, or the server is away: the file goes anyway
            with contextlib.suppress(AirflowApiError):
                self._api().pause(dag)
        (self._path(self.config.dags_folder) / f"{dag}.py").unlink(missing_ok=True)

    # -- here, with `airflow dags test` ---------------------------------------------------------

    def _dags_test(
        self,
        context: RunContext,
        dag: str,
        conf: dict[str, str],
        environment: dict[str, str],
        log_path: Path,
    ) -> int:
        """Run ``airflow dags test``: its whole output into ``log_path``, what the steps
        printed to the reporter."""
        command = [self.airflow_command(), "dags", "test", dag, "-c", json.dumps(conf)]
        with open(log_path, "w", encoding="utf-8") as log:
            process = subprocess.Popen(
                command, env=environment, cwd=self.root, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, start_new_session=True,
            )  # fmt: skip
            assert process.stdout is not None
            deadline = time.monotonic() + self.config.timeout
            try:
                for line in process.stdout:
                    log.write(line)
                    found = _TASK_OUTPUT.match(line)
                    if found and found["text"].startswith("["):
                        context.reporter.line(found["text"])
                    if time.monotonic() > deadline:
                        raise AirflowOrchestratorError(
                            f"`airflow dags test {dag}` ran longer than the orchestrator's "
                            f"timeout of {self.config.timeout} s and was stopped; see {log_path}"
                        )
                return process.wait()
            finally:
                if process.poll() is None:
                    os.killpg(process.pid, 9)
                    process.wait()


def _all_from_cache(context: RunContext) -> dict[str, StepOutcome] | None:
    """Every step reused from the cache, recorded here, if the plan (which records nothing)
    says each can be; None (and nothing recorded) otherwise: then the DAG runs them all."""
    from zenml_core.execution.step_runner import try_cached
    from zenml_core.pipelines.plan import Action, plan_spec

    if any(step.action != Action.REUSE for step in plan_spec(context.spec, context.stack)):
        return None
    outcomes = {}
    for step in context.spec.steps:
        outcome = try_cached(context, step.name)
        if outcome is None:  # gone since the plan looked: the tasks run what is missing
            raise AirflowOrchestratorError(
                f"step {step.name!r}'s cached result went away while the run started; run again"
            )
        outcomes[step.name] = outcome
    return outcomes
