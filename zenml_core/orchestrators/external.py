"""Orchestrators that run each step in another process: subprocesses, containers, jobs.

:class:`ExternalStepOrchestrator` does everything such an orchestrator shares: the run
documents (spec and stack, without secrets), the secrets as environment variables, the
scheduling, the cache check before anything starts, the step's output streamed with
``[step]`` in front, and how the step ended read back from the record. A subclass implements
:meth:`~ExternalStepOrchestrator.launch`: start this step invocation there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from zenml_core.errors import StepExecutionError
from zenml_core.execution.context import StepStatus
from zenml_core.orchestrators.base import BaseOrchestrator

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome
    from zenml_core.execution.invocation import StepInvocation

ConfigT = TypeVar("ConfigT")
LOG_TAIL = 15  # lines of a step's output kept for the record of a step that died


class StepProcess(Protocol):
    """A launched step: its output lines as they come, then its exit code."""

    def lines(self) -> Iterator[str]: ...

    def wait(self) -> int: ...


class PopenStep:
    """A step running as a local process (stdout and stderr together, as text)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process

    def lines(self) -> Iterator[str]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            yield line.rstrip("\n")

    def wait(self) -> int:
        code = self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()
        return code


class ExternalStepOrchestrator(BaseOrchestrator[ConfigT]):
    """Runs every step through ``python -m zenml_core.entrypoint`` somewhere else."""

    def launch(
        self, context: RunContext, invocation: StepInvocation, environment: dict[str, str]
    ) -> StepProcess:
        """Start ``invocation`` (``invocation.command()``) with ``environment`` (the stack's
        secrets) added to the step's environment."""
        raise NotImplementedError

    def parallelism(self) -> int | None:
        """How many steps may run at once (None: the number of cores)."""
        return None

    def python_path(self, context: RunContext) -> list[str]:
        """Folders the step imports the user's code from (default: this process's path)."""
        return [entry for entry in sys.path if entry]

    def start_run(self, context: RunContext) -> None:
        """Called once before the first step (build an image, connect to a service)."""

    def end_run(self, context: RunContext) -> None:
        """Called once after the last step, also when the run fails or is interrupted."""

    def step_settled(self, context: RunContext, step: str) -> None:
        """Called when a step came from the cache, so nothing was launched for it."""

    def run(self, context: RunContext) -> dict[str, StepOutcome]:
        from zenml_core.stack.builder import secret_environment

        folder = write_run_documents(context)
        environment = secret_environment(context.stack)
        self.start_run(context)
        try:
            one = partial(self._run_one, context, folder, environment)
            return self.schedule(context, one, self.parallelism())
        finally:
            self.end_run(context)

    def invocation(self, context: RunContext, folder: Path, step: str) -> StepInvocation:
        from zenml_core.execution.invocation import StepInvocation

        return StepInvocation(
            run_id=context.run_id,
            run_name=context.run_name,
            step=step,
            spec=str(folder / "spec.json"),
            stack=str(folder / "stack.json"),
            python_path=tuple(self.python_path(context)),
        )

    def _run_one(
        self, context: RunContext, folder: Path, environment: dict[str, str], name: str
    ) -> StepOutcome:
        from zenml_core.execution.step_runner import try_cached

        cached = try_cached(context, name)
        if cached is not None:
            self.step_settled(context, name)
            return cached
        started = time.perf_counter()
        process = self.launch(context, self.invocation(context, folder, name), environment)
        tail: deque[str] = deque(maxlen=LOG_TAIL)
        prefix = f"[{name}] "
        for line in process.lines():
            tail.append(line)
            context.reporter.line(line if line.startswith(prefix) else prefix + line)
        exit_code = process.wait()
        return outcome_from_record(
            context, name, exit_code, list(tail), time.perf_counter() - started
        )


def run_folder(context: RunContext) -> Path:
    """The run's ``.zenml`` folder for files steps elsewhere read (spec, stack, compiled
    pipelines); created if missing. With an artifact store on this machine it sits beside
    the run's artifacts (containers mount it); otherwise it is a scratch folder here."""
    store = context.stack.artifact_store
    local = store.local_root()
    if local is not None:
        folder = Path(store.local_path(store.uri(context.spec.name, context.run_id, ".zenml")))
    else:
        folder = Path(tempfile.gettempdir(), "zenml-runs", context.run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_run_documents(context: RunContext) -> Path:
    """Write the spec and the stack document into :func:`run_folder`; returns the folder.
    Secrets are not written (see ``secret_environment``)."""
    from zenml_core.stack.builder import stack_document

    folder = run_folder(context)
    (folder / "spec.json").write_text(context.spec.to_json(), encoding="utf-8")
    document = stack_document(context.stack, context.plugins.registry)
    (folder / "stack.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def outcome_from_record(
    context: RunContext, name: str, exit_code: int, tail: list[str], seconds: float
) -> StepOutcome:
    """How step ``name`` ended, read from the metadata store after its process exited.

    If the process died before recording anything (killed, out of memory), the failure is
    recorded here with the exit code and the last lines of its output.
    """
    from zenml_core.execution.context import StepOutcome

    metadata = context.stack.metadata_store
    record = next((s for s in metadata.list_step_runs(context.run_id) if s.name == name), None)
    if exit_code != 0 and (record is None or record.status == StepStatus.RUNNING):
        reason = f"the process exited with code {exit_code}; last output: " + " | ".join(tail)
        if record is None:
            step_run_id = metadata.start_step(context.run_id, name, {}, None)
        else:
            step_run_id = record.id
        metadata.fail_step(step_run_id, reason)
        record = metadata.get_step_run(step_run_id)
    if record is None:
        raise StepExecutionError(f"step {name!r} exited with code 0 but recorded nothing")
    outputs = metadata.step_run_outputs(record.id)
    if record.status in (StepStatus.COMPLETED, StepStatus.CACHED):
        context.known_outputs[name] = outputs
    error: str | None = None
    if record.status == StepStatus.FAILED:
        last = (record.error or "").strip().splitlines()
        error = last[-1] if last else f"the process exited with code {exit_code}"
    return StepOutcome(
        step=name,
        status=record.status,
        step_run_id=record.id,
        duration_ms=seconds * 1000,
        started_at=record.started_at,
        error=error,
        error_detail=record.error,
        cached_from=record.cached_from,
        cache_key=record.cache_key,
        parameters=record.parameters,
        inputs=metadata.step_run_inputs(record.id),
        outputs=outputs,
        metadata=record.metadata,
        # The process exited 1 after recording the step completed: a plugin's hook raised.
        hook_error=(tail[-1] if tail else "a plugin's step hook raised")
        if exit_code != 0 and record.status in (StepStatus.COMPLETED, StepStatus.CACHED)
        else None,
    )
