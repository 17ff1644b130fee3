"""The subprocess orchestrator: the conformance suite, plus what is special about it."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest
from zenml_subprocess.orchestrator import SubprocessOrchestrator, SubprocessOrchestratorConfig

from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import pipeline
from zenml_core.repository import Repository
from zenml_core.stack.stack import Stack
from zenml_core.steps import step
from zenml_core.testing.conformance import OrchestratorConformance, local_stack_with


def subprocess_stack(project: Repository, plugins: Any) -> Stack:
    orchestrator = SubprocessOrchestrator(
        name="processes",
        config=SubprocessOrchestratorConfig(workers=2),
        root=project.root,
        flavor="subprocess",
    )
    return local_stack_with(project, plugins, orchestrator)


class TestSubprocessOrchestrator(OrchestratorConformance):
    @pytest.fixture
    def orchestrator_stack(self, zenml_project: Repository, zenml_plugins: Any) -> Stack:
        return subprocess_stack(zenml_project, zenml_plugins)


@step(enable_cache=False)
def process_id(label: str) -> int:
    return os.getpid()


@pipeline
def two_processes() -> None:
    process_id(label="a")
    process_id(label="b")


def test_every_step_runs_in_its_own_process(zenml_project: Repository, zenml_plugins: Any) -> None:
    stack = subprocess_stack(zenml_project, zenml_plugins)
    run = two_processes.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    pids = {step.output.load() for step in run.steps.values()}
    assert len(pids) == 2 and os.getpid() not in pids


def test_the_flavor_is_registered(zenml_plugins: Any) -> None:
    from zenml_core.stack.component import ComponentKind

    flavor = zenml_plugins.registry.flavor(ComponentKind.ORCHESTRATOR, "subprocess")
    assert flavor.distribution == "zenml-subprocess"
