"""``python -m zenml_core.entrypoint``: the contract other orchestrators run steps through."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import sample_steps
from sample_steps import arithmetic, half_broken

from zenml_core.metadata_stores.mysql import MySQLMetadataStore, MySQLMetadataStoreConfig
from zenml_core.pipelines.spec import PipelineSpec
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack, secret_environment, stack_document
from zenml_core.stack.stack import Stack
from zenml_core.testing.external import record_external_run

TESTS = Path(__file__).parent


def prepare_run(
    repo: Repository, plugins: PluginManager, pipeline: object, name: str
) -> tuple[Stack, PipelineSpec, str]:
    """Record a run as an external orchestrator would, and write its spec and stack files."""
    return record_external_run(repo, plugins, pipeline, name)


def run_in_subprocesses(
    repo: Repository, plugins: PluginManager, pipeline: object
) -> tuple[str, dict[str, int]]:
    """Act as an external orchestrator: record a run, then one process per step, in order."""
    _, spec, run_id = prepare_run(repo, plugins, pipeline, "external")
    codes = {}
    for step in spec.steps:
        result = subprocess.run(
            [sys.executable, "-m", "zenml_core.entrypoint", "--run-id", run_id,
             "--run-name", "external", "--step", step.name, "--spec", "spec.json",
             "--stack", "stack.json", "--python-path", str(TESTS)],
            cwd=repo.root, capture_output=True, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("ZENML_")},
        )  # fmt: skip
        codes[step.name] = result.returncode
        if step.name == "explode":
            assert result.stderr.strip().endswith("ValueError: no odd numbers allowed")
    return run_id, codes


def test_each_step_in_its_own_process(repo: Repository, plugins: PluginManager) -> None:
    run_id, codes = run_in_subprocesses(repo, plugins, arithmetic)
    assert set(codes.values()) == {0}
    store = load_stack(repo, plugins=plugins, environ={}).metadata_store
    steps = {s.name: s for s in store.list_step_runs(run_id)}
    assert {s.status for s in steps.values()} == {"completed"}
    total = store.step_run_outputs(steps["total"].id)["output"]
    from zenml_core.client import Client

    assert Client(repo, plugins=plugins).artifact(total.id).load() == 20


def test_a_failing_step_exits_1_with_the_error(repo: Repository, plugins: PluginManager) -> None:
    run_id, codes = run_in_subprocesses(repo, plugins, half_broken)
    assert codes["explode"] == 1 and codes["numbers"] == 0
    # started although its upstream failed (as kfp.local does): it records itself skipped
    assert codes["describe"] == 0
    store = load_stack(repo, plugins=plugins, environ={}).metadata_store
    describe = next(s for s in store.list_step_runs(run_id) if s.name == "describe")
    assert (describe.status, describe.error) == (
        "skipped",
        "upstream step 'explode' did not complete",
    )


def test_secrets_travel_as_environment_not_in_the_document(
    repo: Repository, plugins: PluginManager
) -> None:
    stack = load_stack(repo, plugins=plugins, environ={})
    team = MySQLMetadataStore(
        name="team",
        config=MySQLMetadataStoreConfig(database="z", password="s3cret"),
        flavor="mysql",
    )
    mixed = Stack(
        name="team", artifact_store=stack.artifact_store, metadata_store=team,
        orchestrator=stack.orchestrator,
    )  # fmt: skip
    document = stack_document(mixed, plugins.registry)
    assert "s3cret" not in json.dumps(document)
    assert document["components"]["metadata_store"]["flavor"] == "mysql"
    assert document["components"]["orchestrator"]["flavor"] == "local"  # found by class
    assert secret_environment(mixed) == {"ZENML_METADATA_STORE__PASSWORD": "s3cret"}


def test_outputs_keep_their_declared_order_through_json(
    repo: Repository, plugins: PluginManager
) -> None:
    # The spec travels as JSON with sorted keys; "low" must still be the first field.
    from zenml_core.client import Client
    from zenml_core.testing.pipelines import diamond

    run_id, codes = run_in_subprocesses(repo, plugins, diamond)
    assert set(codes.values()) == {0}
    client = Client(repo, plugins=plugins)
    halves = client.run(run_id).steps["halves"]
    assert halves.outputs["low"].load() == [0, 1, 2]
    assert halves.outputs["high"].load() == [3, 4, 5]


def test_a_pipeline_parameter_set_at_submission_reaches_the_steps_that_take_it(
    repo: Repository, plugins: PluginManager
) -> None:
    """What a Kubeflow/Vertex task passes on from a runtime input: the step runner applies
    it to every step parameter recorded as that pipeline parameter, and nowhere else."""
    from zenml_core.client import Client

    _, spec, run_id = prepare_run(repo, plugins, arithmetic, "submitted")
    assert {s.name: s.parameter_sources for s in spec.steps}["total"] == {"offset": "offset"}
    for step in spec.steps:
        result = subprocess.run(
            [sys.executable, "-m", "zenml_core.entrypoint", "--run-id", run_id,
             "--run-name", "submitted", "--step", step.name, "--spec", "spec.json",
             "--stack", "stack.json", "--python-path", str(TESTS),
             "--pipeline-parameter", "offset=100"],
            cwd=repo.root, capture_output=True, text=True,
            env={k: v for k, v in os.environ.items() if not k.startswith("ZENML_")},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
    steps = Client(repo, plugins=plugins).run(run_id).steps
    assert steps["total"].record.parameters == {"offset": 100}
    even = steps["halves"].outputs["even"].load()
    assert steps["total"].output.load() == sample_steps.scaled(sum(even)) + 100
    bad = subprocess.run(
        [sys.executable, "-m", "zenml_core.entrypoint", "--run-id", run_id, "--run-name",
         "submitted", "--step", "numbers", "--spec", "spec.json", "--stack", "stack.json",
         "--pipeline-parameter", "nope=1"],
        cwd=repo.root, capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode != 0 and "has no parameter nope" in bad.stderr


def test_a_step_process_never_fails_its_own_run_as_orphaned(
    repo: Repository, plugins: PluginManager
) -> None:
    # In a container on the host's network a step sees the host's name but none of its
    # processes: the submitting process looks dead from there. The step must leave it alone.
    import socket

    stack, spec, run_id = prepare_run(repo, plugins, arithmetic, "seen-from-a-container")
    gone = subprocess.Popen(["true"])
    gone.wait()
    with stack.metadata_store._session(write=True):  # type: ignore[attr-defined]
        stack.metadata_store._execute(  # type: ignore[attr-defined]
            "UPDATE run SET host = ?, pid = ? WHERE id = ?",
            (socket.gethostname(), gone.pid, run_id),
        )
    stack.metadata_store.reap_on_read = False
    result = subprocess.run(
        [sys.executable, "-m", "zenml_core.entrypoint", "--run-id", run_id,
         "--run-name", "seen-from-a-container", "--step", spec.steps[0].name, "--spec",
         "spec.json", "--stack", "stack.json", "--python-path", str(TESTS)],
        cwd=repo.root, capture_output=True, text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("ZENML_")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert stack.metadata_store.get_run(run_id).status == "running"
    (step,) = stack.metadata_store.list_step_runs(run_id)
    assert step.status == "completed"
