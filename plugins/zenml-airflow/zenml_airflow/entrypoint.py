"""What an Airflow task runs: ``python -m zenml_airflow.entrypoint --step NAME``.

The run's folder comes from the DAG run's conf (through ``ZENML_AIRFLOW_FOLDER``); it holds
the spec, the stack document and ``airflow.json`` (run id, run name, import path), written
by the orchestrator before it triggered the DAG run. Then the core step runner runs the step.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from zenml_airflow.compiler import CONF_FOLDER, FOLDER_ENV

RUN_FILE = "airflow.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zenml_airflow.entrypoint")
    parser.add_argument("--step", required=True)
    parser.add_argument("--with-map-items", action="store_true")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    folder = os.environ.get(FOLDER_ENV)
    if not folder:
        print(
            f"this DAG run carries no zenml run folder (conf {CONF_FOLDER!r}); start runs with "
            "`zenml pipeline run` (or pipeline.run()), which triggers the DAG with it",
            file=sys.stderr,
        )
        return 2
    from zenml_core.execution.invocation import StepInvocation, execute, exit_code, prepare

    run = json.loads((Path(folder) / RUN_FILE).read_text(encoding="utf-8"))
    invocation = StepInvocation(
        run_id=run["run_id"],
        run_name=run["run_name"],
        step=args.step,
        spec=str(Path(folder) / "spec.json"),
        stack=str(Path(folder) / "stack.json"),
        python_path=tuple(run["python_path"]),
        with_map_items=args.with_map_items,
    )
    return exit_code(execute(prepare(invocation), invocation))


if __name__ == "__main__":
    sys.exit(main())
