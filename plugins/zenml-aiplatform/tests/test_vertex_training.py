"""The ``vertex`` training backend against the fake Vertex AI REST API: the exact custom job
request, and a pipeline on the local orchestrator whose training step runs as that job (the
fake runs the job's container command here) and writes to the GCS store (emulator)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import connection_to
from fake_vertex import FakeVertex
from zenml_aiplatform.config import VertexTrainingBackendConfig
from zenml_aiplatform.testing import gcs_stack
from zenml_aiplatform.training import VertexTrainingBackend

from zenml_core.errors import PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.repository import Repository
from zenml_core.stack.stack import Stack
from zenml_core.testing.pipelines import training


def training_stack(
    project: Repository, plugins: Any, vertex: FakeVertex, bucket: str, wheelhouse: Path,
    **settings: Any,
) -> Stack:  # fmt: skip
    config = VertexTrainingBackendConfig(
        project="my-project",
        location="us-east1",
        staging_bucket=f"gs://{bucket}/staging",
        machine_type="n1-highmem-8",
        accelerator_type="NVIDIA_TESLA_T4",
        accelerator_count=2,
        service_account="trainer@my-project.iam.gserviceaccount.com",
        labels={"team": "ml"},
        **{**connection_to(vertex, wheelhouse), **settings},
    )
    backend = VertexTrainingBackend(name="gpus", config=config, root=project.root, flavor="vertex")
    return gcs_stack(project, plugins, bucket, training_backend=backend)


def run_quietly(stack: Stack, plugins: Any, **parameters: Any) -> Any:
    return training.run(
        stack=stack, plugins=plugins, reporter=Reporter(io.StringIO()), **parameters
    )


def test_the_training_step_runs_as_a_custom_job(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str,
) -> None:  # fmt: skip
    with FakeVertex(execute=True) as vertex:
        stack = training_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse)
        run = run_quietly(stack, zenml_plugins)
        (job,) = vertex.created("customJobs")
        (path,) = [p for m, p, _ in vertex.requests if m == "POST" and p.endswith("/customJobs")]
        assert path == "/v1/projects/my-project/locations/us-east1/customJobs"
        again = run_quietly(stack, zenml_plugins)
    assert len(vertex.created("customJobs")) == 1  # the second run took fit from the cache
    assert again.steps["fit"].status == "cached"
    assert job["displayName"] == f"{run.name}-fit".lower()
    assert job["labels"] == {"team": "ml"}
    spec = job["jobSpec"]
    assert spec["serviceAccount"] == "trainer@my-project.iam.gserviceaccount.com"
    assert spec["baseOutputDirectory"] == {"outputUriPrefix": f"gs://{bucket}/staging/{run.id}/fit"}
    (pool,) = spec["workerPoolSpecs"]
    from google.cloud.aiplatform_v1.types.accelerator_type import AcceleratorType

    assert pool["machineSpec"] == {  # the SDK sends enums as their numbers
        "machineType": "n1-highmem-8", "acceleratorCount": 2,
        "acceleratorType": AcceleratorType.NVIDIA_TESLA_T4.value,
    }  # fmt: skip
    assert pool["replicaCount"] == "1"  # int64 travels as a string in JSON
    container = pool["containerSpec"]
    assert container["imageUri"].startswith("zenml-steps:")
    assert container["command"] == ["python3", "-m", "zenml_aiplatform.entrypoint"]
    arguments = container["args"]
    assert arguments[:6] == ["--run-id", run.id, "--run-name", run.name, "--step", "fit"]
    assert {"--on-training-backend", "--record-via-manifest"} <= set(arguments)
    stack_document = json.loads(arguments[arguments.index("--stack-json") + 1])
    assert stack_document["components"]["artifact_store"]["flavor"] == "gcs"
    # no secrets in this stack: only the image's own tag, for engines starting workers from it
    assert container["env"] == [{"name": "ZENML_STEP_IMAGE", "value": container["imageUri"]}]
    # The pipeline went on after the job: fit's output is in GCS and score read it.
    assert vertex.exit_codes == {"worker": 0}
    assert run.status == "completed"
    fit = run.steps["fit"]
    assert fit.output.uri.startswith(f"gs://{bucket}/artifacts/training/")
    assert fit.output.load() == {"mean": 2.5, "spread": 5.0}
    assert fit.inputs["values"].id == run.steps["numbers"].output.id  # ran here, linked
    assert run.steps["score"].inputs["model"].id == fit.output.id
    assert run.steps["score"].output.load() == 0.5


def test_a_failed_job_fails_the_step_and_the_run(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str,
) -> None:  # fmt: skip
    with FakeVertex(execute=True) as vertex:
        stack = training_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse)
        with pytest.raises(PipelineRunFailedError, match="ValueError: conformance: training"):
            run_quietly(stack, zenml_plugins, fail=True)
        vertex.refuse = "accelerator NVIDIA_TESLA_T4 is not available in us-east1"
        with pytest.raises(PipelineRunFailedError, match="is not available in us-east1"):
            run_quietly(stack, zenml_plugins, count=7)
    runs = stack.metadata_store.list_runs()
    for run in runs:
        steps = {s.name: s.status for s in stack.metadata_store.list_step_runs(run.id)}
        assert steps == {"numbers": "completed", "fit": "failed", "score": "skipped"}
    errors = [s.error for r in runs for s in stack.metadata_store.list_step_runs(r.id) if s.error]
    assert any("submitting the Vertex AI custom job failed" in e for e in errors)


def test_extra_replicas_compute_along_without_recording(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str,
) -> None:  # fmt: skip
    with FakeVertex() as vertex:  # the job "succeeds" without running anything
        stack = training_stack(
            zenml_project, zenml_plugins, vertex, bucket, wheelhouse, replica_count=3
        )
        with pytest.raises(PipelineRunFailedError, match="but the step recorded nothing"):
            run_quietly(stack, zenml_plugins)
    (job,) = vertex.created("customJobs")
    chief, workers = job["jobSpec"]["workerPoolSpecs"]
    assert (chief["replicaCount"], workers["replicaCount"]) == ("1", "2")
    assert workers["containerSpec"]["args"] == [*chief["containerSpec"]["args"], "--compute-only"]


def test_a_cancelled_job_fails_the_step_with_vertex_message(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str,
) -> None:  # fmt: skip
    with FakeVertex() as vertex:
        vertex.final_state, vertex.error = "CANCELLED", "cancelled by bob@example.com"
        stack = training_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse)
        with pytest.raises(PipelineRunFailedError, match="custom job ended CANCELLED: cancelled"):
            run_quietly(stack, zenml_plugins)
    (run,) = stack.metadata_store.list_runs()
    fit = next(s for s in stack.metadata_store.list_step_runs(run.id) if s.name == "fit")
    assert (fit.status, fit.error) == (
        "failed",
        "the Vertex AI custom job ended CANCELLED: cancelled by bob@example.com",
    )
