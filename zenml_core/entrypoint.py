"""Run one step of a pipeline in this process: what subprocesses, containers and remote jobs
execute. The flags are those of :class:`zenml_core.execution.invocation.StepInvocation`::

    python -m zenml_core.entrypoint --run-id RUN --run-name NAME --step STEP \\
        (--spec spec.json --stack stack.json | --spec-json JSON --stack-json JSON)
        [--python-path DIR ...] [--record-via-manifest] [--on-training-backend]

It rebuilds the stack's stores from the stack document (secrets come from environment
variables), calls the same step runner as the local orchestrator, and exits 0 when the step
completed (or came from the cache) and 1, with the error on stderr, when it failed.
Plugins that need more around the step (Kubeflow's executor output, Docker's warm start)
have their own wrapper entrypoint on top of the same functions.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from zenml_core.execution.invocation import StepInvocation, execute, exit_code, prepare

    invocation = StepInvocation.from_argv(sys.argv[1:] if argv is None else argv)
    context = prepare(invocation)
    return exit_code(execute(context, invocation))


if __name__ == "__main__":
    sys.exit(main())
