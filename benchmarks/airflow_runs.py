"""Apache Airflow under zenml-airflow: ``airflow standalone`` start-up, and the cost of a run
and of each task with ``airflow dags test`` and on the server, from chains of 1 and 5 steps
(per task: the difference over 4), next to the same chain on the local orchestrator measured
in the same run (per task: its time per step). Needs Airflow (``tox -e airflow`` has it)."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from pipelines import QUIET, Scratch

from zenml_core.pipelines import pipeline
from zenml_core.stack.stack import Stack
from zenml_core.steps import step


@step(enable_cache=False)
def link(value: int) -> int:
    return value + 1


@step(enable_cache=False)
def first() -> int:
    return 0


def chain(length: int) -> Any:
    @pipeline(name=f"airflow_chain_{length}", enable_cache=False)
    def body() -> None:
        value = first()
        for _ in range(length - 1):
            value = link(value)

    return body


def _row(name: str, value: float, unit: str, floor: float | None) -> dict[str, Any]:
    return {"benchmark": name, "value": round(value, 3), "unit": unit,
            "floor": None if floor is None else round(floor, 3), "target": None,
            "zenml_0_98": "-", "ok": None}  # fmt: skip


def _with(scratch: Scratch, orchestrator: Any) -> Stack:
    return Stack(
        name="bench-airflow",
        artifact_store=scratch.stack.artifact_store,
        metadata_store=scratch.stack.metadata_store,
        orchestrator=orchestrator,
    )


def _seconds(target: Any, stack: Stack, plugins: Any) -> float:
    began = time.perf_counter()
    target.run(stack=stack, plugins=plugins, reporter=QUIET)
    return time.perf_counter() - began


def run_all(repeat: int) -> list[dict[str, Any]]:
    from zenml_airflow.config import AirflowOrchestratorConfig
    from zenml_airflow.orchestrator import AirflowOrchestrator
    from zenml_airflow.testing import AirflowServer

    repeat = max(2, repeat // 3)  # each Airflow run takes seconds
    rows: list[dict[str, Any]] = []
    scratch = Scratch()
    home = Path(tempfile.mkdtemp(prefix="zenml-bench-airflow-"))
    try:
        plugins, root = scratch.plugins, scratch.disk
        local = {n: statistics.median(_seconds(chain(n), scratch.stack, plugins)
                                      for _ in range(repeat)) for n in (1, 5)}  # fmt: skip
        command = str(Path(sys.executable).with_name("airflow"))
        tested = AirflowOrchestrator(
            name="dags-test", root=root, flavor="airflow",
            config=AirflowOrchestratorConfig(airflow_home=str(home / "local"),
                                             airflow_command=command),
        )  # fmt: skip
        stack = _with(scratch, tested)
        _seconds(chain(1), stack, plugins)  # creates Airflow's database once
        dags_test = {n: statistics.median(_seconds(chain(n), stack, plugins)
                                          for _ in range(repeat)) for n in (1, 5)}  # fmt: skip
        rows.append(_row("airflow dags test: a 1-step run", dags_test[1], "s", local[1]))
        per_local_step = local[5] / 5
        rows.append(_row("airflow dags test: per task", (dags_test[5] - dags_test[1]) / 4, "s",
                         per_local_step))  # fmt: skip

        began = time.perf_counter()
        server = AirflowServer(command, home / "server")
        rows.append(_row("airflow standalone: start until healthy", time.perf_counter() - began,
                         "s", None))  # fmt: skip
        try:
            triggered = AirflowOrchestrator(
                name="server", root=root, flavor="airflow",
                config=AirflowOrchestratorConfig(
                    dags_folder=str(server.dags), server_url=server.url, username="zenml",
                    password=server.password, poll_interval=0.5),
            )  # fmt: skip
            stack = _with(scratch, triggered)
            for n in (1, 5):
                _seconds(chain(n), stack, plugins)  # the DAG file parsed once
            on_server = {n: statistics.median(_seconds(chain(n), stack, plugins)
                                              for _ in range(repeat)) for n in (1, 5)}  # fmt: skip
            rows.append(_row("airflow server: a 1-step run", on_server[1], "s", local[1]))
            rows.append(_row("airflow server: per task", (on_server[5] - on_server[1]) / 4, "s",
                             per_local_step))  # fmt: skip
        finally:
            server.stop()
    finally:
        scratch.close()
    return rows
