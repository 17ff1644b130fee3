"""The ``vertex`` orchestrator against a fake Vertex AI REST API (the real SDK, REST transport,
anonymous credentials) and the Cloud Storage emulator: the exact pipeline job request, and how
job states reach the user. With ``execute`` the fake runs the submitted tasks here; the
artifacts go to the GCS store and the steps record via manifests imported after the job."""

from __future__ import annotations

import io
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import connection_to
from fake_vertex import FakeVertex
from zenml_aiplatform.config import VertexOrchestratorConfig
from zenml_aiplatform.orchestrator import VertexOrchestrator
from zenml_aiplatform.testing import gcs_stack
from zenml_aiplatform.vertex import VertexError

from zenml_core.client import Client
from zenml_core.errors import PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.repository import Repository
from zenml_core.stack.stack import Stack
from zenml_core.testing.pipelines import FAILING_STATUSES, diamond, failing


def vertex_stack(
    project: Repository, plugins: Any, vertex: FakeVertex, bucket: str, wheelhouse: Path,
    **settings: Any,
) -> Stack:  # fmt: skip
    config = VertexOrchestratorConfig(
        project="my-project",
        location="europe-west4",
        # A bucket that does not exist yet: the SDK creates it. (For an existing one it asks
        # the Resource Manager API who owns it, which retries for a minute without network.)
        pipeline_root=f"gs://{bucket}-root-{uuid.uuid4().hex[:6]}/vertex",
        service_account="runner@my-project.iam.gserviceaccount.com",
        network="projects/123/global/networks/ml",
        labels={"team": "ml"},
        encryption_key="projects/my-project/locations/europe-west4/keyRings/r/cryptoKeys/k",
        **{**connection_to(vertex, wheelhouse), **settings},
    )
    orchestrator = VertexOrchestrator(
        name="vertex", config=config, root=project.root, flavor="vertex"
    )
    return gcs_stack(project, plugins, bucket, orchestrator=orchestrator)


def run_quietly(pipeline: Any, stack: Stack, plugins: Any) -> Any:
    return pipeline.run(stack=stack, plugins=plugins, reporter=Reporter(io.StringIO()))


def test_the_pipeline_job_request_and_a_run_that_succeeds(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str,
) -> None:  # fmt: skip
    with FakeVertex(execute=True) as vertex:
        stack = vertex_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse)
        run = run_quietly(diamond, stack, zenml_plugins)
    (job,) = vertex.created("pipelineJobs")
    (create,) = [p for m, p, _ in vertex.requests if m == "POST" and p.endswith("/pipelineJobs")]
    assert create == "/v1/projects/my-project/locations/europe-west4/pipelineJobs"
    spec = diamond.compile(plugins=zenml_plugins)
    _, compiled = stack.orchestrator.compile(stack, zenml_plugins, spec)
    expected = yaml.safe_load(compiled)
    # The SDK spells out KFP's cache setting per task (off, as compiled: an empty message).
    for task in job["pipelineSpec"]["root"]["dag"]["tasks"].values():
        assert task.pop("cachingOptions") == {"enableCache": False}
    for task in expected["root"]["dag"]["tasks"].values():
        assert task.pop("cachingOptions") == {}
    assert job["pipelineSpec"] == expected
    pipeline_root = stack.orchestrator.config.pipeline_root
    assert stack.artifact_store.fs.exists(pipeline_root.split("/")[2])  # created by the SDK
    assert job["runtimeConfig"] == {
        "gcsOutputDirectory": pipeline_root,
        "parameterValues": {"zenml_run_id": run.id, "zenml_run_name": run.name},
    }
    assert job["serviceAccount"] == "runner@my-project.iam.gserviceaccount.com"
    assert job["network"] == "projects/123/global/networks/ml"
    assert job["labels"]["team"] == "ml"
    assert job["encryptionSpec"] == {
        "kmsKeyName": "projects/my-project/locations/europe-west4/keyRings/r/cryptoKeys/k"
    }
    assert job["displayName"] == run.name
    # the tasks ran, wrote to the GCS store, and their manifests were imported
    assert set(vertex.exit_codes.values()) == {0}
    assert run.status == "completed"
    assert run.record.orchestrator_run_id.startswith(
        "projects/my-project/locations/europe-west4/pipelineJobs/"
    )
    assert run.steps["combine"].output.uri.startswith(f"gs://{bucket}/artifacts/diamond/")
    assert run.steps["combine"].output.load() == {"a": 303, "b": -288}


def test_a_failed_job_fails_the_run_with_vertex_error_message(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str,
) -> None:  # fmt: skip
    with FakeVertex(execute=True) as vertex:
        stack = vertex_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse)
        with pytest.raises(PipelineRunFailedError, match="this step fails on purpose"):
            run_quietly(failing, stack, zenml_plugins)
    (run,) = stack.metadata_store.list_runs()
    steps = {s.name: s.status for s in stack.metadata_store.list_step_runs(run.id)}
    assert steps == FAILING_STATUSES


def test_a_cancelled_job_and_a_refused_request(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str,
) -> None:  # fmt: skip
    with FakeVertex() as vertex:
        vertex.final_state, vertex.error = "CANCELLED", "cancelled by alice@example.com"
        stack = vertex_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse)
        with pytest.raises(
            PipelineRunFailedError, match=r"ended CANCELLED: cancelled by alice@example\.com"
        ):
            run_quietly(diamond, stack, zenml_plugins)
        vertex.refuse = "pipeline_root must be in the job's region"
        stack = vertex_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse)
        with pytest.raises(VertexError, match="pipeline_root must be in the job's region"):
            run_quietly(diamond, stack, zenml_plugins)
    statuses = [run.status for run in stack.metadata_store.list_runs()]
    assert statuses == ["failed", "failed"]


def test_secrets_reach_the_tasks_only_as_secret_manager_references(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str, monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    import json

    import attrs
    from fake_secret_manager import FakeSecretManager

    from zenml_core.metadata_stores.mysql import MySQLMetadataStore, MySQLMetadataStoreConfig
    from zenml_core.testing.services import MYSQL, reset_mysql

    reset_mysql()
    planted = "planted-S3cret-7f1c9e"  # user zenml_secret's (scripts/services/mariadb)
    monkeypatch.setenv("TEST_DB_PASSWORD", planted)  # here, not in the tasks' environment
    team = MySQLMetadataStore(
        name="team", flavor="mysql",
        config=MySQLMetadataStoreConfig(
            database=str(MYSQL["database"]), host=str(MYSQL["host"]), port=int(MYSQL["port"]),
            user="zenml_secret", password_env="TEST_DB_PASSWORD",
        ),
    )  # fmt: skip
    version = "projects/my-project/secrets/db-password/versions/3"
    with FakeVertex(execute=True) as vertex, FakeSecretManager({version: planted}) as manager:
        stack = vertex_stack(
            zenml_project, zenml_plugins, vertex, bucket, wheelhouse,
            secrets={"TEST_DB_PASSWORD": version}, secret_manager_endpoint=manager.url,
        )  # fmt: skip
        run = run_quietly(diamond, attrs.evolve(stack, metadata_store=team), zenml_plugins)
    (job,) = vertex.created("pipelineJobs")
    assert planted not in json.dumps(job)
    executors = job["pipelineSpec"]["deploymentSpec"]["executors"].values()
    for executor in executors:
        container = executor["container"]
        assert container["command"] == ["python3", "-m", "zenml_aiplatform.entrypoint"]
        environment = {e["name"]: e["value"] for e in container["env"]}
        assert json.loads(environment["ZENML_SECRET_REFERENCES"]) == {"TEST_DB_PASSWORD": version}
    # each task read the secret itself, and recorded straight into the MySQL store with it
    assert manager.requests == [f"/v1/{version}:access"] * len(executors)
    assert set(vertex.exit_codes.values()) == {0} and run.status == "completed"
    assert "--record-via-manifest" not in json.dumps(job)

    with FakeVertex() as vertex:  # no reference for the variable: refused before submitting
        stack = vertex_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse)
        with pytest.raises(VertexError, match=r"TEST_DB_PASSWORD must reach .* add secrets="):
            run_quietly(diamond, attrs.evolve(stack, metadata_store=team), zenml_plugins)
    assert vertex.created("pipelineJobs") == []


def test_without_waiting_reading_the_run_follows_the_job(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path,
    bucket: str,
) -> None:  # fmt: skip
    with FakeVertex(execute=True) as vertex:
        vertex.hold.clear()
        stack = vertex_stack(zenml_project, zenml_plugins, vertex, bucket, wheelhouse, wait=False)
        run = run_quietly(diamond, stack, zenml_plugins)
        client = Client(stack=stack)
        assert run.status == "running" and client.run(run.id).status == "running"
        vertex.hold.set()
        for _ in range(600):
            (job,) = vertex.jobs.values()
            if job["state"] == "PIPELINE_STATE_SUCCEEDED":
                break
            threading.Event().wait(0.1)
        finished = client.run(run.id)
    assert finished.status == "completed"
    assert {step.status for step in finished.steps.values()} == {"completed"}
