"""What a Kubeflow Pipelines task runs: ``python -m zenml_kubeflow.entrypoint <the core
entrypoint's flags> --executor-input '{{$}}'``.

The core step runner runs the step; then, KFP's executor protocol: every output parameter the
task declares gets the step's output URIs (JSON), written to the executor output file KFP
reads.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def write_executor_output(executor_input: str, outputs: dict[str, str]) -> None:
    """Answer the executor protocol with ``outputs`` (output name -> URI)."""
    document = json.loads(executor_input)
    declared = document.get("outputs", {})
    values = {name: json.dumps(outputs, sort_keys=True) for name in declared.get("parameters", {})}
    output_file = Path(declared["outputFile"])
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(json.dumps({"parameterValues": values}), encoding="utf-8")


def task_parser(prog: str = "python -m zenml_kubeflow.entrypoint") -> argparse.ArgumentParser:
    """The core entrypoint's flags and ``--executor-input`` (other plugins add theirs)."""
    from zenml_core.execution.invocation import StepInvocation

    parser = StepInvocation.parser(prog=prog)
    parser.add_argument("--executor-input", help="KFP's executor input (the {{$}} placeholder)")
    return parser


def run_task(args: argparse.Namespace) -> int:
    """Run the step ``args`` name, then answer the executor protocol; the exit code."""
    from zenml_core.execution.context import StepStatus
    from zenml_core.execution.invocation import StepInvocation, execute, exit_code, prepare

    invocation = StepInvocation.from_arguments(args)
    outcome = execute(prepare(invocation), invocation)
    code = exit_code(outcome)
    if code == 0 and args.executor_input and outcome.status != StepStatus.SKIPPED:
        write_executor_output(args.executor_input, {n: a.uri for n, a in outcome.outputs.items()})
    return code


def main(argv: list[str] | None = None) -> int:
    return run_task(task_parser().parse_args(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
