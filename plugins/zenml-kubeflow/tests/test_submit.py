"""Submission through kfp.Client to a fake KFP API server: the exact requests, and how the
run's end state reaches the user. The fake plays the cluster by running each task's command
from the submitted spec; a cluster cannot open the local SQLite file, so steps record via their
manifests and the orchestrator imports them."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from conftest import BASE_IMAGE
from fake_kfp import FakeKFP
from fake_registry import FakeRegistry
from zenml_kubeflow.config import KubeflowOrchestratorConfig
from zenml_kubeflow.orchestrator import KubeflowOrchestrator, KubeflowOrchestratorError

from zenml_core.cli.main import CLIContext, build_cli
from zenml_core.client import Client
from zenml_core.errors import PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.repository import Repository
from zenml_core.stack.stack import Stack
from zenml_core.testing.conformance import local_stack_with
from zenml_core.testing.pipelines import FAILING_STATUSES, diamond, failing


def remote_stack(
    project: Repository, plugins: Any, host: str, wheelhouse: Path, **settings: Any
) -> Stack:
    config = KubeflowOrchestratorConfig(
        host=host,
        experiment="nightly",
        base_image=BASE_IMAGE,
        wheelhouse=str(wheelhouse),
        **{"timeout": 60, **settings},
    )
    orchestrator = KubeflowOrchestrator(
        name="kfp", config=config, root=project.root, flavor="kubeflow"
    )
    return local_stack_with(project, plugins, orchestrator)


def test_a_run_is_submitted_in_its_experiment_and_waited_for(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    with FakeKFP(execute=True) as kfp:
        stack = remote_stack(zenml_project, zenml_plugins, kfp.url, wheelhouse)
        output = io.StringIO()
        run = diamond.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(output))
    gets = [path for method, path, _ in kfp.requests if method == "GET"]
    assert "/apis/v2beta1/healthz" in gets
    lookup = next(q for m, p, q in kfp.requests if p == "/apis/v2beta1/experiments" and m == "GET")
    assert '"stringValue": "nightly"' in lookup["filter"][0]
    assert kfp.posted("/apis/v2beta1/experiments") == [{"display_name": "nightly"}]
    (created,) = kfp.posted("/apis/v2beta1/runs")
    assert created["experiment_id"] == "exp-1" and created["display_name"] == run.name
    compiled = stack.artifact_store.local_path(
        stack.artifact_store.uri("diamond", run.id, ".zenml")
    )
    assert created["pipeline_spec"] == yaml.safe_load(
        (Path(compiled) / "pipeline.yaml").read_text()
    )
    assert created["runtime_config"]["parameters"] == {
        "zenml_run_id": run.id,
        "zenml_run_name": run.name,
    }
    assert "/apis/v2beta1/runs/run-1" in gets  # polled until it ended
    assert run.status == "completed" and run.record.orchestrator_run_id == "run-1"
    assert "as KFP run run-1 (experiment 'nightly')" in output.getvalue()
    # The steps ran from the YAML's commands and recorded via manifests, imported here.
    assert set(kfp.exit_codes.values()) == {0}
    executors = created["pipeline_spec"]["deploymentSpec"]["executors"].values()
    assert all("--record-via-manifest" in task["container"]["args"] for task in executors)
    steps = run.steps
    assert {step.status for step in steps.values()} == {"completed"}
    assert steps["combine"].output.load() == {"a": 303, "b": -288}
    assert steps["halves"].inputs["values"].id == steps["numbers"].output.id


def test_a_failed_remote_run_fails_the_run_with_its_error(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    with FakeKFP(final_state="FAILED", error="pod OOMKilled") as kfp:
        stack = remote_stack(zenml_project, zenml_plugins, kfp.url, wheelhouse)
        with pytest.raises(
            PipelineRunFailedError, match="KFP run run-1 ended FAILED: pod OOMKilled"
        ):
            diamond.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    (run,) = stack.metadata_store.list_runs()
    assert run.status == "failed" and "ended FAILED: pod OOMKilled" in run.error
    steps = {s.name: s.status for s in stack.metadata_store.list_step_runs(run.id)}
    assert steps == {  # nothing ran: the first step carries the error, the rest never started
        "numbers": "failed", "halves": "skipped", "add": "skipped", "add_2": "skipped",
        "combine": "skipped",
    }  # fmt: skip


def test_a_step_failing_on_the_cluster_is_recorded_with_what_did_run(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    with FakeKFP(execute=True) as kfp:
        stack = remote_stack(zenml_project, zenml_plugins, kfp.url, wheelhouse)
        with pytest.raises(PipelineRunFailedError, match="RuntimeError: conformance"):
            failing.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    (run,) = stack.metadata_store.list_runs()
    steps = {s.name: s.status for s in stack.metadata_store.list_step_runs(run.id)}
    assert steps == FAILING_STATUSES


def test_without_waiting_runs_show_follows_the_remote_run(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    def runs_show(name: str) -> dict[str, Any]:
        result = CliRunner().invoke(
            build_cli(zenml_plugins), ["runs", "show", name, "--output", "json"],
            obj=CLIContext(zenml_plugins),
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)  # type: ignore[no-any-return]

    with FakeKFP(execute=True) as kfp:
        kfp.hold.clear()
        settings = ["--host", kfp.url, "--wait=false", "--base-image", BASE_IMAGE,
                    "--wheelhouse", str(wheelhouse), "--experiment", "nightly"]  # fmt: skip
        cli = build_cli(zenml_plugins)
        for args in (
            ["orchestrator", "register", "kfp", "--flavor", "kubeflow", *settings],
            ["stack", "register", "remote", "-a", "default", "-m", "default", "-o", "kfp", "--set"],
        ):
            result = CliRunner().invoke(cli, args, obj=CLIContext(zenml_plugins))
            assert result.exit_code == 0, result.output
        client = Client(zenml_project, plugins=zenml_plugins)
        output = io.StringIO()
        run = diamond.run(stack=client.stack, plugins=zenml_plugins, reporter=Reporter(output))
        assert run.status == "running" and "submitted as run-1" in output.getvalue()
        shown = runs_show(run.name)
        assert (shown["status"], shown["remote_state"], shown["steps"]) == (
            "running",
            "RUNNING",
            [],
        )
        kfp.hold.set()
        for _ in range(600):
            if kfp.runs["run-1"]["state"] == "SUCCEEDED":
                break
            threading.Event().wait(0.1)
        shown = runs_show(run.name)
    assert shown["status"] == "completed" and shown["orchestrator_run_id"] == "run-1"
    assert "remote_state" not in shown
    assert {step["status"] for step in shown["steps"]} == {"completed"}
    assert len(shown["steps"]) == 5


def test_a_refused_submission_is_a_clear_error(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    with FakeKFP() as kfp:
        kfp.fail_run_creation = True
        stack = remote_stack(zenml_project, zenml_plugins, kfp.url, wheelhouse)
        with pytest.raises(
            KubeflowOrchestratorError, match=f"submitting to the KFP API server at {kfp.url} failed"
        ):
            diamond.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    (run,) = stack.metadata_store.list_runs()
    assert run.status == "failed"


def test_the_step_image_is_pushed_to_the_registry_the_yaml_names(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    with FakeRegistry() as registry:
        stack = remote_stack(
            zenml_project, zenml_plugins, "http://127.0.0.1:9", wheelhouse,
            registry=registry.address,
        )  # fmt: skip
        spec = diamond.compile(plugins=zenml_plugins)
        image, yaml_text = stack.orchestrator.compile(stack, zenml_plugins, spec)
    try:
        repository, tag = image.rsplit(":", 1)
        assert repository == f"{registry.address}/zenml-steps"
        manifest = registry.manifests[("zenml-steps", tag)]
        # the engine pushed the very image built here, every layer of it
        assert manifest["config"]["digest"] == docker_client.images.get(image).id
        assert {layer["digest"] for layer in manifest["layers"]} <= set(registry.blobs)
        executors = yaml.safe_load(yaml_text)["deploymentSpec"]["executors"]
        assert {e["container"]["image"] for e in executors.values()} == {image}
    finally:
        docker_client.images.remove(image)


def test_a_run_that_outlasts_the_timeout_is_left_to_be_followed(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    with FakeKFP() as kfp:
        kfp.hold.clear()  # the run stays RUNNING
        stack = remote_stack(zenml_project, zenml_plugins, kfp.url, wheelhouse, timeout=1)
        output = io.StringIO()
        run = diamond.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(output))
        assert run.status == "running" and run.record.orchestrator_run_id == "run-1"
        assert "still running after 1 s; the KFP run goes on" in output.getvalue()
        kfp.hold.set()
