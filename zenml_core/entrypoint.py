"""Run one step of a pipeline in this process: what containers and remote jobs execute.

::

    python -m zenml_core.entrypoint --run-id RUN --run-name NAME --step STEP \\
        (--spec spec.json | --spec-json JSON) (--stack stack.json | --stack-json JSON)
        [--python-path DIR ...] [--wait-for FILE] [--record-via-manifest]
        [--on-training-backend [--compute-only]]
        [--executor-input '{{$}}']

It rebuilds the stack from the stack document (secrets come from environment variables),
calls the same step runner as the local orchestrator, and exits 0 when the step completed
(or came from the cache) and 1, with the error on stderr, when it failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m zenml_core.entrypoint", description=__doc__)
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--run-name", required=True)
    parser.add_argument("--step", required=True)
    spec_source = parser.add_mutually_exclusive_group(required=True)
    spec_source.add_argument("--spec", type=Path, help="the PipelineSpec JSON file")
    spec_source.add_argument("--spec-json", help="the PipelineSpec as JSON text")
    stack_source = parser.add_mutually_exclusive_group(required=True)
    stack_source.add_argument("--stack", type=Path, help="the stack document JSON file")
    stack_source.add_argument("--stack-json", help="the stack document as JSON text")
    parser.add_argument(
        "--python-path", action="append", default=[], help="folder to import user code from"
    )
    parser.add_argument(
        "--executor-input",
        help="Kubeflow Pipelines' executor input (the {{$}} placeholder): the step's output "
        "URIs are written to its executor output file",
    )
    parser.add_argument(
        "--record-via-manifest",
        action="store_true",
        help="the stack's metadata store is out of reach from here: record into a scratch "
        "store; the orchestrator imports the step manifest left in the artifact store",
    )
    parser.add_argument(
        "--on-training-backend",
        action="store_true",
        help="this process is the training backend's job: run the step here",
    )
    parser.add_argument(
        "--compute-only",
        action="store_true",
        help="an extra replica of a distributed training job: run the step's code on its "
        "inputs, record and store nothing (the chief replica does)",
    )
    parser.add_argument(
        "--wait-for",
        type=Path,
        help="after starting up, wait until this file exists (exit at once if FILE.cancel does)",
    )
    args = parser.parse_args(argv)
    for folder in reversed(args.python_path):
        sys.path.insert(0, folder)

    from zenml_core.materializers.registry import MaterializerRegistry
    from zenml_core.metadata_stores.records import StepStatus
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.orchestrators.step_runner import RunContext, compute_only, run_step
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import create_plugin_manager
    from zenml_core.stack.builder import stack_from_document

    plugins = create_plugin_manager()
    if args.spec is not None:
        spec_text, spec_source_name = args.spec.read_text(encoding="utf-8"), str(args.spec)
    else:
        spec_text, spec_source_name = args.spec_json, "--spec-json"
    spec = PipelineSpec.from_json(spec_text, source=spec_source_name)
    document = json.loads(
        args.stack.read_text(encoding="utf-8") if args.stack is not None else args.stack_json
    )
    stack = stack_from_document(document, plugins, root=Path.cwd())
    if args.record_via_manifest:
        from zenml_core.orchestrators.remote import with_scratch_metadata

        stack = with_scratch_metadata(stack, spec, args.run_id, args.run_name)
    context = RunContext(
        spec=spec,
        run_id=args.run_id,
        run_name=args.run_name,
        stack=stack,
        plugins=plugins,
        materializers=MaterializerRegistry(plugins.registry.materializers),
        reporter=Reporter(),
    )
    if args.wait_for is not None and not _wait_for(args.wait_for):
        return 0  # started ahead of its step, which then did not need to run here
    if args.compute_only:
        compute_only(context, args.step)
        return 0
    outcome = run_step(context, args.step, on_backend=args.on_training_backend)
    if outcome.status == StepStatus.FAILED:
        if args.record_via_manifest:
            from zenml_core.orchestrators.remote import write_failure_manifest

            write_failure_manifest(context, outcome)
        print(outcome.error_detail or outcome.error, file=sys.stderr)
        return 1
    if outcome.status == StepStatus.SKIPPED:
        print(f"skipped: {outcome.error}", file=sys.stderr)
        return 0
    if args.executor_input:
        write_executor_output(args.executor_input, {n: a.uri for n, a in outcome.outputs.items()})
    return 0


def write_executor_output(executor_input: str, outputs: dict[str, str]) -> None:
    """Answer the Kubeflow Pipelines executor protocol: every declared output parameter gets
    the step's output URIs (JSON), written to the executor output file KFP reads."""
    document = json.loads(executor_input)
    declared = document.get("outputs", {})
    values = {name: json.dumps(outputs, sort_keys=True) for name in declared.get("parameters", {})}
    output_file = Path(declared["outputFile"])
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(json.dumps({"parameterValues": values}), encoding="utf-8")


def _wait_for(go: Path) -> bool:
    """Wait for ``go`` to appear (True) or ``go.cancel`` (False)."""
    cancel = go.with_name(go.name + ".cancel")
    while True:
        if go.exists():
            return True
        if cancel.exists():
            return False
        time.sleep(0.005)


if __name__ == "__main__":
    sys.exit(main())
