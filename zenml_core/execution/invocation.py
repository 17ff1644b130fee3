"""The command line of a step that runs in another process: built once, parsed once.

An orchestrator that runs steps elsewhere (a subprocess, a container, a remote job) builds a
:class:`StepInvocation` and starts ``python -m zenml_core.entrypoint`` with its
:meth:`~StepInvocation.argv` (or a plugin's wrapper entrypoint, which adds its own flags in
front and calls :func:`prepare` and :func:`execute` itself). Nothing else knows the flags.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from zenml_core.errors import ConfigError

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.stack.stack import Stack

ENTRYPOINT = "zenml_core.entrypoint"


@frozen(kw_only=True)
class StepInvocation:
    """Run step ``step`` of run ``run_id``.

    ``spec``/``stack`` are the pipeline spec and the stack document: a file path, or with
    ``inline`` the JSON text itself (what a compiled pipeline carries). ``python_path``: folders
    to import the user's code from. ``record_via_manifest``: the stack's metadata store is out
    of reach from where the step runs (a cluster, a local SQLite file); the step records into
    a scratch store and its manifest, which the orchestrator imports. ``on_training_backend``:
    this process is the training backend's job, so it runs the step instead of handing it on.
    ``with_map_items``: for a mapped step (``step.map``), run its items here too, one after
    the other, after the split (an orchestrator that cannot start steps at run time).
    """

    run_id: str
    run_name: str
    step: str
    spec: str
    stack: str
    inline: bool = False
    python_path: tuple[str, ...] = ()
    record_via_manifest: bool = False
    on_training_backend: bool = False
    with_map_items: bool = False
    pipeline_parameters: tuple[str, ...] = ()  # NAME=VALUE: set at submission (runtime inputs)

    def argv(self) -> list[str]:
        """The arguments after ``python -m zenml_core.entrypoint``."""
        arguments = ["--run-id", self.run_id, "--run-name", self.run_name, "--step", self.step]
        if self.inline:
            arguments += ["--spec-json", self.spec, "--stack-json", self.stack]
        else:
            arguments += ["--spec", self.spec, "--stack", self.stack]
        for folder in self.python_path:
            arguments += ["--python-path", folder]
        if self.record_via_manifest:
            arguments.append("--record-via-manifest")
        if self.on_training_backend:
            arguments.append("--on-training-backend")
        if self.with_map_items:
            arguments.append("--with-map-items")
        for setting in self.pipeline_parameters:
            arguments += ["--pipeline-parameter", setting]
        return arguments

    def command(self, python: str = "python3", module: str = ENTRYPOINT) -> list[str]:
        """The whole command (``module``: a plugin's wrapper entrypoint)."""
        return [python, "-m", module, *self.argv()]

    @classmethod
    def parser(cls, prog: str = f"python -m {ENTRYPOINT}") -> argparse.ArgumentParser:
        """The parser of :meth:`argv`; a wrapper entrypoint adds its own flags to it."""
        parser = argparse.ArgumentParser(prog=prog, description="Run one step of a pipeline.")
        parser.add_argument("--run-id", required=True)
        parser.add_argument("--run-name", required=True)
        parser.add_argument("--step", required=True)
        spec = parser.add_mutually_exclusive_group(required=True)
        spec.add_argument("--spec", help="the PipelineSpec JSON file")
        spec.add_argument("--spec-json", help="the PipelineSpec as JSON text")
        stack = parser.add_mutually_exclusive_group(required=True)
        stack.add_argument("--stack", help="the stack document JSON file")
        stack.add_argument("--stack-json", help="the stack document as JSON text")
        parser.add_argument(
            "--python-path", action="append", default=[], help="folder to import user code from"
        )
        parser.add_argument("--record-via-manifest", action="store_true")
        parser.add_argument("--on-training-backend", action="store_true")
        parser.add_argument("--with-map-items", action="store_true")
        parser.add_argument(
            "--pipeline-parameter",
            action="append",
            default=[],
            help="NAME=VALUE: a pipeline parameter's value at submission (JSON unless a string)",
        )
        return parser

    @classmethod
    def from_arguments(cls, args: argparse.Namespace) -> StepInvocation:
        inline = args.spec_json is not None
        if inline != (args.stack_json is not None):
            raise ConfigError("give the spec and the stack both as files or both as JSON text")
        return cls(
            run_id=args.run_id,
            run_name=args.run_name,
            step=args.step,
            spec=args.spec_json if inline else args.spec,
            stack=args.stack_json if inline else args.stack,
            inline=inline,
            python_path=tuple(args.python_path),
            record_via_manifest=args.record_via_manifest,
            on_training_backend=args.on_training_backend,
            with_map_items=args.with_map_items,
            pipeline_parameters=tuple(args.pipeline_parameter),
        )

    @classmethod
    def from_argv(cls, argv: list[str]) -> StepInvocation:
        return cls.from_arguments(cls.parser().parse_args(argv))


def prepare(invocation: StepInvocation) -> RunContext:
    """Import paths, plugins, the spec and the stack's stores and backends (a step process
    never builds the orchestrator): everything up to running the step."""
    from zenml_core.execution.context import RunContext
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import create_plugin_manager
    from zenml_core.stack.builder import stack_from_document

    for folder in reversed(invocation.python_path):
        sys.path.insert(0, folder)
    plugins = create_plugin_manager()
    if invocation.inline:
        spec_text, spec_source, stack_text = invocation.spec, "--spec-json", invocation.stack
    else:
        spec_text = Path(invocation.spec).read_text(encoding="utf-8")
        spec_source, stack_text = invocation.spec, Path(invocation.stack).read_text("utf-8")
    spec = PipelineSpec.from_json(spec_text, source=spec_source)
    if invocation.pipeline_parameters:
        spec = spec.with_parameters(submitted_parameters(spec, invocation.pipeline_parameters))
    stack = stack_from_document(
        json.loads(stack_text), plugins, root=Path.cwd(), with_orchestrator=False
    )
    if invocation.record_via_manifest:
        stack = with_scratch_metadata(stack, spec, invocation.run_id, invocation.run_name)
    # A step process cannot judge whether a run's process is alive: in a container it sees
    # the host's name but not its processes, and would fail the very run it belongs to.
    stack.metadata_store.reap_on_read = False
    return RunContext.create(
        spec, invocation.run_id, invocation.run_name, stack, plugins, Reporter()
    )


def submitted_parameters(spec: PipelineSpec, settings: tuple[str, ...]) -> dict[str, Any]:
    """``NAME=VALUE`` settings as values of the spec's pipeline parameters: a parameter whose
    compiled value is a string takes VALUE as it is, any other reads it as JSON."""
    values: dict[str, Any] = {}
    for setting in settings:
        name, equals, text = setting.partition("=")
        if not equals:
            raise ConfigError(f"--pipeline-parameter {setting!r}: give NAME=VALUE")
        if isinstance(spec.parameters.get(name), str):
            values[name] = text
            continue
        try:
            value = json.loads(text)
        except ValueError:
            raise ConfigError(
                f"--pipeline-parameter {name}: {text!r} is not a JSON value"
            ) from None
        if isinstance(spec.parameters.get(name), float) and type(value) is int:
            value = float(value)  # KFP renders 2.0 as 2: the record and cache key keep 2.0
        values[name] = value
    return values


def with_scratch_metadata(stack: Stack, spec: PipelineSpec, run_id: str, run_name: str) -> Stack:
    """``stack`` with a scratch SQLite metadata store in a temporary folder, holding the run
    and the steps of it that already left manifests (so this step finds its inputs).

    For steps that run where the stack's metadata store cannot be reached: what they record
    reaches the real store through their step manifest (:func:`import_step_manifests`).
    Caching cannot work there (the scratch store has no history), so such steps always run.
    """
    import os
    import socket
    import tempfile

    import attrs

    from zenml_core.manifests import run_step_manifests
    from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig

    folder = tempfile.mkdtemp(prefix="zenml-scratch-")
    scratch = SQLiteMetadataStore(
        name="scratch",
        config=SQLiteMetadataStoreConfig(path=os.path.join(folder, "metadata.db")),
        flavor="sqlite",
    )
    scratch.initialize()
    scratch.create_run(
        run_id=run_id,
        name=run_name,
        pipeline=spec.name,
        stack_name=stack.name,
        stack={},
        spec=spec.to_dict(),
        parameters=spec.parameters,
        git_commit=None,
        git_dirty=None,
        host=socket.gethostname(),
        pid=os.getpid(),
    )
    steps = [step.name for step in spec.steps]
    documents = run_step_manifests(stack.artifact_store, spec, run_id, steps)
    scratch.restore_steps(run_id, run_name, documents, {}, {}, [])
    return attrs.evolve(stack, metadata_store=scratch)


def execute(context: RunContext, invocation: StepInvocation) -> StepOutcome:
    """Run the step; a step recording via its manifest leaves its failure there too (with
    its traceback: otherwise only the remote service's exit code would be known)."""
    from zenml_core.execution.context import StepStatus
    from zenml_core.execution.step_runner import run_step

    outcome = run_step(context, invocation.step, on_backend=invocation.on_training_backend)
    _leave_failure(context, invocation, outcome)
    if invocation.with_map_items and outcome.status in (StepStatus.COMPLETED, StepStatus.CACHED):
        from zenml_core.pipelines.spec import item_names

        failed = None
        for item in item_names(context.spec, invocation.step, outcome.outputs):
            ended = run_step(context, item)  # a failed item does not stop the others
            _leave_failure(context, invocation, ended)
            if ended.status == StepStatus.FAILED and failed is None:
                failed = ended
        outcome = failed or outcome  # the task fails with the first failed item's error
    return outcome


def _leave_failure(context: RunContext, invocation: StepInvocation, outcome: StepOutcome) -> None:
    """A step recording via its manifest leaves its failure there too."""
    from zenml_core.execution.context import StepStatus

    if outcome.status == StepStatus.FAILED and invocation.record_via_manifest:
        from zenml_core.manifests import write_step_manifest

        write_step_manifest(context, outcome, strict=True)


def exit_code(outcome: StepOutcome) -> int:
    """0 when the step completed, came from the cache or was skipped; 1, with the error on
    stderr, when it failed or a plugin's hook raised after it."""
    from zenml_core.execution.context import StepStatus

    if outcome.status == StepStatus.FAILED:
        from zenml_core.utils.tracebacks import user_traceback

        shown = user_traceback(outcome.error_detail or "") or outcome.error
        print(shown, file=sys.stderr)
        return 1
    if outcome.status == StepStatus.SKIPPED:
        print(f"skipped: {outcome.error}", file=sys.stderr)
    if outcome.hook_error is not None:
        print(outcome.hook_error, file=sys.stderr)
        return 1
    return 0
