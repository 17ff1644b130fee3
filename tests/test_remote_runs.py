"""Runs submitted to a remote service and not waited for: recorded as running with the remote
id, never reaped for silence, closed when reading runs once the remote run has ended, with the
steps' manifests imported when the steps could not reach the metadata store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sample_steps import arithmetic, half_broken

from zenml_core.client import Client
from zenml_core.execution.invocation import StepInvocation
from zenml_core.orchestrators.base import BaseOrchestrator
from zenml_core.orchestrators.external import write_run_documents
from zenml_core.orchestrators.remote import RemoteState, Submitted
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines.run import run as run_pipeline
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.testing.conformance import local_stack_with

TESTS = Path(__file__).parent


class QueueOrchestrator(BaseOrchestrator[dict]):
    """Stands in for a remote service: run() only queues the run; the test plays the cluster,
    running each step's entrypoint in a process that records via its manifest."""

    def __init__(self) -> None:
        super().__init__(name="queue", config={}, flavor="queue")
        self.queued: list[Any] = []
        self.states: dict[str, RemoteState] = {}
        self.asked = 0
        self.errors: dict[str, str] = {}

    def run(self, context: Any) -> Submitted:
        self.queued.append(context)
        self.states[f"job-{context.run_id[:6]}"] = RemoteState("QUEUED")
        return Submitted(f"job-{context.run_id[:6]}", "the test's queue")

    def remote_state(self, run: Any) -> RemoteState | None:
        self.asked += 1
        return self.states.get(run.orchestrator_run_id)

    def execute_queued(self) -> dict[str, int]:
        """Run every step of the queued run in its own process, the way a cluster would."""
        context = self.queued.pop()
        # The stack document names this test-only orchestrator's flavor, which no plugin
        # registers: a step process builds the stores and backends, never the orchestrator.
        folder = write_run_documents(context)
        codes = {}
        for step in context.spec.steps:
            invocation = StepInvocation(
                run_id=context.run_id,
                run_name=context.run_name,
                step=step.name,
                spec=str(folder / "spec.json"),
                stack=str(folder / "stack.json"),
                python_path=(str(TESTS),),
                record_via_manifest=True,
            )
            completed = subprocess.run(
                invocation.command(sys.executable),
                capture_output=True, text=True,
                env={k: v for k, v in os.environ.items() if not k.startswith("ZENML_")},
            )  # fmt: skip
            codes[step.name] = completed.returncode
            self.errors[step.name] = completed.stderr
        return codes


@pytest.fixture
def queue_stack(repo: Repository, plugins: PluginManager) -> Any:
    return local_stack_with(repo, plugins, QueueOrchestrator())


def submit(pipeline: Any, stack: Any, plugins: PluginManager) -> Any:
    spec = pipeline.compile(plugins=plugins)
    return run_pipeline(spec, stack=stack, plugins=plugins, reporter=Reporter(quiet=True))


def test_a_submitted_run_stays_running_and_is_not_reaped(
    queue_stack: Any, plugins: PluginManager
) -> None:
    submitted = submit(arithmetic, queue_stack, plugins)
    assert submitted.status == "running"
    assert submitted.record.orchestrator_run_id == f"job-{submitted.id[:6]}"
    metadata = queue_stack.metadata_store
    with metadata._session(write=True):  # silent for an hour: no heartbeat comes from remote
        metadata._execute("UPDATE run SET heartbeat_at = '2000-01-01 00:00:00'", ())
    assert metadata.reap_orphans() == []
    client = Client(stack=queue_stack)
    assert client.run(submitted.name).status == "running"
    assert client.runs(status="running")[0].id == submitted.id


def test_a_remote_run_that_ended_is_closed_with_the_manifests_of_its_steps(
    queue_stack: Any, plugins: PluginManager
) -> None:
    submitted = submit(arithmetic, queue_stack, plugins)
    orchestrator = queue_stack.orchestrator
    assert set(orchestrator.execute_queued().values()) == {0}, orchestrator.errors
    client = Client(stack=queue_stack)
    # The steps recorded into scratch stores only: nothing is in ours before the import.
    assert queue_stack.metadata_store.list_step_runs(submitted.id) == []
    orchestrator.states[submitted.record.orchestrator_run_id] = RemoteState("RUNNING")
    assert client.run(submitted.id).status == "running"
    orchestrator.states[submitted.record.orchestrator_run_id] = RemoteState("SUCCEEDED", ended=True)
    (listed,) = client.runs(status="completed")  # reading "completed" runs follows it too
    finished = client.run(submitted.name)
    assert listed.id == finished.id
    assert finished.status == "completed" and finished.record.ended_at is not None
    steps = finished.steps
    assert {step.status for step in steps.values()} == {"completed"}
    assert [a.load() for a in steps["total"].outputs.values()] == [20]
    # lineage links across the processes' scratch stores
    assert steps["halves"].inputs["values"].id == steps["numbers"].output.id
    run_manifest = queue_stack.artifact_store.read_manifest(
        queue_stack.artifact_store.uri("arithmetic", submitted.id)
    )
    assert run_manifest["status"] == "completed" and len(run_manifest["steps"]) == 5
    asked = orchestrator.asked
    client.run(submitted.name)
    assert orchestrator.asked == asked  # a closed run is not asked about again


def test_a_failed_remote_run_records_the_error_and_skips_what_never_ran(
    queue_stack: Any, plugins: PluginManager
) -> None:
    submitted = submit(half_broken, queue_stack, plugins)
    orchestrator = queue_stack.orchestrator
    codes = orchestrator.execute_queued()
    assert codes["explode"] == 1
    orchestrator.states[submitted.record.orchestrator_run_id] = RemoteState(
        "FAILED", ended=True, failed=True, error="task explode: exit code 1"
    )
    finished = Client(stack=queue_stack).run(submitted.name)
    assert finished.status == "failed"
    statuses = {name: step.status for name, step in finished.steps.items()}
    assert statuses == {
        "numbers": "completed", "halves": "completed", "total": "completed",
        "explode": "failed", "describe": "skipped",
    }  # fmt: skip
    # the step's own traceback came back through its failure manifest
    error = finished.steps["explode"].record.error
    assert error.startswith("Traceback") and "ValueError: no odd numbers allowed" in error
    assert finished.record.error == "task explode: exit code 1"


def test_runs_of_another_orchestrator_are_left_alone(
    queue_stack: Any, repo: Repository, plugins: PluginManager
) -> None:
    submitted = submit(arithmetic, queue_stack, plugins)
    local = Client(repo, plugins=plugins)  # the default stack: local orchestrator
    assert local.run(submitted.id).status == "running"
    assert queue_stack.orchestrator.asked == 0


def test_the_run_folder_is_beside_local_artifacts_and_a_scratch_folder_otherwise(
    queue_stack: Any,
) -> None:
    from types import SimpleNamespace

    from zenml_core.orchestrators.external import run_folder

    spec = SimpleNamespace(name="pipe")
    local = run_folder(SimpleNamespace(stack=queue_stack, spec=spec, run_id="r1"))
    assert local == Path(queue_stack.artifact_store.uri("pipe", "r1", ".zenml"))
    remote_stack = SimpleNamespace(artifact_store=SimpleNamespace(local_root=lambda: None))  # gs://
    scratch = run_folder(SimpleNamespace(stack=remote_stack, spec=spec, run_id="r2"))
    assert scratch.is_dir() and scratch.parts[-2:] == ("zenml-runs", "r2")


def test_a_remote_run_closed_by_a_reader_fires_after_pipeline_run_a_failing_hook_only_warns(
    queue_stack: Any, plugins: PluginManager, capsys: pytest.CaptureFixture[str]
) -> None:
    from zenml_core import hookimpl

    ended: list[tuple[str, str]] = []

    class Notifier:
        @hookimpl
        def zenml_after_pipeline_run(self, run_id: str, status: str) -> None:
            ended.append((run_id, status))
            raise ConnectionError("the chat server is down")

    plugins.register(Notifier(), name="notifier")
    submitted = submit(arithmetic, queue_stack, plugins)
    assert ended == []  # submitted, not ended
    orchestrator = queue_stack.orchestrator
    assert set(orchestrator.execute_queued().values()) == {0}, orchestrator.errors
    orchestrator.states[submitted.record.orchestrator_run_id] = RemoteState("SUCCEEDED", ended=True)
    client = Client(stack=queue_stack, plugins=plugins)
    (listed,) = client.runs()  # reading closes it; the hook's failure does not fail the read
    assert listed.status == "completed"
    assert ended == [(submitted.id, "completed")]
    assert (
        f"warning: closing run {submitted.name}: plugin 'notifier' (<ad-hoc>) raised in "
        "zenml_after_pipeline_run: ConnectionError: the chat server is down"
    ) in capsys.readouterr().err
    client.runs()
    assert len(ended) == 1  # once, when it ended
