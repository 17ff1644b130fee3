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
    from zenml_kubeflow.entrypoint import run_task, task_parser

    from zenml_aiplatform.secrets import resolve_references
    from zenml_core.execution.invocation import StepInvocation, prepare
    from zenml_core.execution.step_runner import compute_only

    parser = task_parser(prog="python -m zenml_aiplatform.entrypoint")
    parser.add_argument("--compute-only", action="store_true")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    resolve_references()
    if not args.compute_only:
        return run_task(args)
    invocation = StepInvocation.from_arguments(args)
    compute_only(prepare(invocation), invocation.step)
    return 0


if __name__ == "__main__":
    sys.exit(main())
