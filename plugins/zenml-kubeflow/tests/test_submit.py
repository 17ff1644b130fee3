"""Submission through kfp.Client to a fake KFP API server: the exact requests, and how the
run's end state reaches the user."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import BASE_IMAGE
from fake_kfp import FakeKFP
from zenml_kubeflow.config import KubeflowOrchestratorConfig
from zenml_kubeflow.orchestrator import KubeflowOrchestrator, KubeflowOrchestratorError

from zenml_core.orchestrators.reporting import Reporter
from zenml_core.repository import Repository
from zenml_core.stack.stack import Stack
from zenml_core.testing.conformance import local_stack_with
from zenml_core.testing.pipelines import diamond


def remote_stack(project: Repository, plugins: Any, host: str, wheelhouse: Path) -> Stack:
    config = KubeflowOrchestratorConfig(
        host=host,
        experiment="nightly",
        base_image=BASE_IMAGE,
        wheelhouse=str(wheelhouse),
        timeout=30,
    )
    orchestrator = KubeflowOrchestrator(
        name="kfp", config=config, root=project.root, flavor="kubeflow"
    )
    return local_stack_with(project, plugins, orchestrator)


def test_a_run_is_submitted_in_its_experiment_and_waited_for(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    with FakeKFP(final_state="SUCCEEDED") as kfp:
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
    assert run.status == "completed"
    assert "as KFP run run-1 (experiment 'nightly')" in output.getvalue()


def test_a_failed_remote_run_fails_the_run_with_its_error(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    with FakeKFP(final_state="FAILED", error="pod OOMKilled") as kfp:
        stack = remote_stack(zenml_project, zenml_plugins, kfp.url, wheelhouse)
        with pytest.raises(
            KubeflowOrchestratorError, match="KFP run run-1 ended FAILED: pod OOMKilled"
        ):
            diamond.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    (run,) = stack.metadata_store.list_runs()
    assert run.status == "failed" and "ended FAILED: pod OOMKilled" in run.error


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
