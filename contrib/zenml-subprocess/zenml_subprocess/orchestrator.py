"""The ``subprocess`` orchestrator: each step runs in a fresh ``python -m zenml_core.entrypoint``.

Useful to isolate steps (memory is returned to the system after each step, a crashing
extension module takes down only its step) without containers. It is also the template for
orchestrators that run steps elsewhere: :class:`ExternalStepOrchestrator` schedules, checks
the cache, writes the run documents, streams the output and reads the outcome back; all an
orchestrator adds is :meth:`launch`, starting one step invocation where it should run.
"""

from __future__ import annotations

import os
import subprocess
import sys

from attrs import field, frozen

from zenml_core.config.validators import optional, positive
from zenml_core.execution.context import RunContext
from zenml_core.execution.invocation import StepInvocation
from zenml_core.orchestrators.external import ExternalStepOrchestrator, PopenStep


@frozen
class SubprocessOrchestratorConfig:
    """``workers``: steps at once (None: the number of cores); ``python``: the interpreter
    (None: this one); ``environment``: extra environment variables for every step."""

    workers: int | None = field(default=None, validator=optional(positive))
    python: str | None = None
    environment: dict[str, str] = field(factory=dict)


class SubprocessOrchestrator(ExternalStepOrchestrator[SubprocessOrchestratorConfig]):
    def parallelism(self) -> int | None:
        return self.config.workers

    def launch(
        self, context: RunContext, invocation: StepInvocation, environment: dict[str, str]
    ) -> PopenStep:
        process = subprocess.Popen(
            invocation.command(self.config.python or sys.executable),
            cwd=self.root,
            env={**os.environ, **self.config.environment, **environment},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return PopenStep(process)
