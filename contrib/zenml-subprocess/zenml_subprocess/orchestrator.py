"""The ``subprocess`` orchestrator: each step runs in a fresh ``python -m zenml_core.entrypoint``.

Useful to isolate steps (memory is returned to the system after each step, a crashing
extension module takes down only its step) without containers. It shows everything an
orchestrator that runs steps elsewhere needs: the shared scheduling loop, the cache check
before starting anything, the run documents, the entrypoint, and reading the outcome back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import deque
from typing import Any

from attrs import field, frozen

from zenml_core.config.validators import optional, positive
from zenml_core.orchestrators.base import BaseOrchestrator
from zenml_core.orchestrators.external import (
    entrypoint_arguments,
    outcome_from_record,
    write_run_documents,
)
from zenml_core.orchestrators.step_runner import RunContext, StepOutcome, try_cached


@frozen
class SubprocessOrchestratorConfig:
    """``workers``: steps at once (None: the number of cores); ``python``: the interpreter
    (None: this one); ``environment``: extra environment variables for every step."""

    workers: int | None = field(default=None, validator=optional(positive))
    python: str | None = None
    environment: dict[str, str] = field(factory=dict)


class SubprocessOrchestrator(BaseOrchestrator[SubprocessOrchestratorConfig]):
    def run(self, context: RunContext) -> dict[str, StepOutcome]:
        from zenml_core.stack.builder import secret_environment

        folder = write_run_documents(context)
        environment = {
            **os.environ,
            **self.config.environment,
            **secret_environment(context.stack),
        }
        python_path = [entry for entry in sys.path if entry]

        def run_one(name: str) -> StepOutcome:
            cached = try_cached(context, name)
            if cached is not None:
                return cached
            command = [
                self.config.python or sys.executable,
                "-m",
                "zenml_core.entrypoint",
                *entrypoint_arguments(context, folder, name),
            ]
            for entry in python_path:
                command += ["--python-path", entry]
            return self._run_process(context, name, command, environment)

        return self.schedule(context, run_one, self.config.workers)

    def _run_process(
        self, context: RunContext, name: str, command: list[str], environment: dict[str, Any]
    ) -> StepOutcome:
        started = time.perf_counter()
        tail: deque[str] = deque(maxlen=15)
        prefix = f"[{name}] "
        with subprocess.Popen(
            command,
            cwd=self.root,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ) as process:
            assert process.stdout is not None
            for line in process.stdout:
                line = line.rstrip("\n")
                tail.append(line)
                context.reporter.line(line if line.startswith(prefix) else prefix + line)
            exit_code = process.wait()
        return outcome_from_record(
            context, name, exit_code, list(tail), time.perf_counter() - started
        )
