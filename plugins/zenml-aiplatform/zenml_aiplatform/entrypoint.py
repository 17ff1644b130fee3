"""What Vertex AI pipeline tasks and custom jobs run: ``python -m zenml_aiplatform.entrypoint
<the core entrypoint's flags> [--executor-input '{{$}}'] [--compute-only]``.

First the stack's secrets are read from Secret Manager (:mod:`zenml_aiplatform.secrets`);
then the step runs as with the core entrypoint. ``--executor-input``: a pipeline task answers
KFP's executor protocol (Vertex runs the pipeline zenml-kubeflow compiled). ``--compute-only``:
an extra replica of a distributed training job runs the step's code on its inputs and
records nothing (the chief replica does).
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from zenml_kubeflow.entrypoint import write_executor_output

    from zenml_aiplatform.secrets import resolve_references
    from zenml_core.execution.context import StepStatus
    from zenml_core.execution.invocation import StepInvocation, execute, exit_code, prepare
    from zenml_core.execution.step_runner import compute_only

    parser = StepInvocation.parser(prog="python -m zenml_aiplatform.entrypoint")
    parser.add_argument("--executor-input", help="KFP's executor input (the {{$}} placeholder)")
    parser.add_argument("--compute-only", action="store_true")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    resolve_references()
    invocation = StepInvocation.from_arguments(args)
    context = prepare(invocation)
    if args.compute_only:
        compute_only(context, invocation.step)
        return 0
    outcome = execute(context, invocation)
    code = exit_code(outcome)
    if code == 0 and args.executor_input and outcome.status != StepStatus.SKIPPED:
        write_executor_output(args.executor_input, {n: a.uri for n, a in outcome.outputs.items()})
    return code


if __name__ == "__main__":
    sys.exit(main())
