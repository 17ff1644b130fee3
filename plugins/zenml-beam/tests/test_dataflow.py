"""The ``dataflow`` flavor: the real Beam DataflowRunner submits to a fake Dataflow API on
127.0.0.1 and stages into a Cloud Storage emulator; the fake executes the staged pipeline with
embedded Python, so the outputs are real and compared with the local pool's."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from attrs import evolve
from fake_dataflow import FakeDataflow
from zenml_aiplatform.testing import gcs_stack, new_bucket, storage_emulator
from zenml_beam.dataflow import DataflowProcessingBackend, DataflowProcessingBackendConfig

from zenml_core.backends.local import LocalProcessingBackend, LocalProcessingBackendConfig
from zenml_core.dataset import Dataset
from zenml_core.errors import PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import pipeline
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack
from zenml_core.steps import step
from zenml_core.steps.context import step_context
from zenml_core.steps.ml.importers import CSVDatasetImporter
from zenml_core.steps.ml.preprocessing import OneHotEncoderStep, StandardScalerStep
from zenml_core.steps.ml.split import SplitStep
from zenml_core.testing import processing
from zenml_core.testing.conformance import ProcessingBackendConformance

IMAGE = "europe-docker.pkg.dev/test-project/zenml/step:3f2a"


@pytest.fixture(scope="module")
def emulator() -> Iterator[str]:
    with storage_emulator() as url:
        yield url


@pytest.fixture
def dataflow() -> Iterator[FakeDataflow]:
    with FakeDataflow() as fake:
        yield fake


def dataflow_backend(fake: FakeDataflow, **settings: Any) -> DataflowProcessingBackend:
    config = DataflowProcessingBackendConfig(
        project="test-project", region="europe-west4", endpoint=fake.endpoint, anonymous=True,
        **{"sdk_container_image": IMAGE, **settings},
    )  # fmt: skip
    return DataflowProcessingBackend(name="df", config=config, flavor="dataflow")


@pytest.fixture
def bucket(emulator: str) -> str:
    return new_bucket()


def run(pipeline: Any, stack: Any, plugins: Any, **parameters: Any) -> Any:
    return pipeline.run(
        stack=stack, plugins=plugins, reporter=Reporter(io.StringIO()), **parameters
    )


class TestDataflow(ProcessingBackendConformance):
    @pytest.fixture
    def processing_stack(
        self, zenml_project: Repository, zenml_plugins: Any, bucket: str, dataflow: FakeDataflow
    ) -> Any:
        backend = dataflow_backend(dataflow)
        return gcs_stack(zenml_project, zenml_plugins, bucket, processing_backend=backend)


def test_the_job_request_carries_the_configuration_and_locations_under_the_artifact_store(
    zenml_project: Repository, zenml_plugins: Any, bucket: str, dataflow: FakeDataflow
) -> None:
    import gcsfs

    backend = dataflow_backend(
        dataflow, machine_type="n2-standard-4", max_workers=5,
        service_account="zenml@test-project.iam.gserviceaccount.com",
    )  # fmt: skip
    stack = gcs_stack(zenml_project, zenml_plugins, bucket, processing_backend=backend)
    result = run(processing.processing, stack, zenml_plugins)
    assert result.status == "completed"
    jobs = dataflow.created()
    assert len(jobs) == 2  # one per step that sent work: scale and count_groups
    assert [p for m, p, _ in dataflow.requests if m == "POST"] == [
        "/v1b3/projects/test-project/locations/europe-west4/jobs"
    ] * 2
    job = jobs[0]
    assert job["type"] == "JOB_TYPE_BATCH" or job["type"] == 1
    environment = job["environment"]
    options = environment["sdkPipelineOptions"]["options"]
    root = f"gs://{bucket}/artifacts/.tmp/dataflow"
    assert options["temp_location"].startswith(f"{root}/temp/")
    assert options["staging_location"].startswith(f"{root}/staging/")
    assert "use_runner_v2" in environment["experiments"]
    assert environment["serviceAccountEmail"] == "zenml@test-project.iam.gserviceaccount.com"
    (pool,) = environment["workerPools"]
    assert pool["machineType"] == "n2-standard-4"
    assert pool["autoscalingSettings"]["maxNumWorkers"] == 5
    assert [image["containerImage"] for image in pool["sdkHarnessContainerImages"]] == [IMAGE]
    assert all(url.startswith(f"{root}/staging/") for url in dataflow.staged)
    # The workers' shards were copied into the artifact and their scratch space removed.
    files = gcsfs.GCSFileSystem(project="test", token="anon").find(f"{bucket}/artifacts")
    assert not [name for name in files if "/.tmp/processing-" in name]
    scaled = result.steps["scale"].output.load()
    assert scaled.folder.startswith(f"gs://{bucket}/artifacts/")  # read where it lies
    assert scaled.num_shards == 4


def test_a_step_sets_machine_type_and_workers_in_its_dataflow_settings(
    zenml_project: Repository, zenml_plugins: Any, bucket: str, dataflow: FakeDataflow
) -> None:
    stack = gcs_stack(
        zenml_project, zenml_plugins, bucket, processing_backend=dataflow_backend(dataflow)
    )
    tuning = {"machine_type": "c3-highmem-8", "max_workers": 2}

    @step(settings={"processing_backend": True, "dataflow": tuning})
    def scale(data: Dataset) -> Dataset:
        return step_context().processing.transform_shards(processing.scaled, data, 2.0)

    @pipeline
    def tuned() -> None:
        scale(processing.source())

    assert run(tuned, stack, zenml_plugins).status == "completed"
    (job,) = dataflow.created()
    (pool,) = job["environment"]["workerPools"]
    assert (pool["machineType"], pool["autoscalingSettings"]["maxNumWorkers"]) == (
        "c3-highmem-8",
        2,
    )


@pytest.fixture
def table_file(tmp_path: Path) -> str:
    frame = processing.table(3000)
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    return str(path)


def prepare_pipeline(path: str) -> Any:
    @pipeline
    def prepare() -> None:
        data = CSVDatasetImporter({"path": path, "rows_per_shard": 700})()
        train, eval_, test = SplitStep({"key": "id", "seed": 11})(data)
        scaled = StandardScalerStep()(train, eval_, test)
        OneHotEncoderStep()(scaled.train, scaled.eval, scaled.test)

    return prepare


def test_import_split_and_preprocess_on_dataflow_equal_the_local_pool(
    zenml_project: Repository, zenml_plugins: Any, bucket: str, dataflow: FakeDataflow,
    table_file: str,
) -> None:  # fmt: skip
    prepare = prepare_pipeline(table_file)
    local = evolve(
        load_stack(zenml_project, plugins=zenml_plugins, environ={}),
        processing_backend=LocalProcessingBackend(
            name="pool", config=LocalProcessingBackendConfig(workers=2), flavor="local"
        ),
    )
    expected = run(prepare, local, zenml_plugins)
    remote = gcs_stack(
        zenml_project, zenml_plugins, bucket, processing_backend=dataflow_backend(dataflow)
    )
    got = run(prepare, remote, zenml_plugins)
    assert got.status == "completed" and dataflow.created()
    assert all(step.status == "completed" for step in got.steps.values())
    for part in ("train", "eval", "test"):
        want = expected.steps["OneHotEncoderStep"].outputs[part].load().to_pandas()
        have = got.steps["OneHotEncoderStep"].outputs[part].load().to_pandas()
        assert len(have) > 0
        pd.testing.assert_frame_equal(
            have.sort_values("id").reset_index(drop=True),
            want.sort_values("id").reset_index(drop=True),
            check_dtype=False, rtol=1e-9,
        )  # fmt: skip


def test_a_local_artifact_store_or_no_image_is_refused_with_the_fix(
    zenml_project: Repository, zenml_plugins: Any, bucket: str, dataflow: FakeDataflow,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    local = evolve(
        load_stack(zenml_project, plugins=zenml_plugins, environ={}),
        processing_backend=dataflow_backend(dataflow),
    )
    with pytest.raises(PipelineRunFailedError, match="use a gcs artifact store in the stack"):
        run(processing.processing, local, zenml_plugins)
    monkeypatch.delenv("ZENML_STEP_IMAGE", raising=False)
    no_image = gcs_stack(
        zenml_project, zenml_plugins, bucket,
        processing_backend=dataflow_backend(dataflow, sdk_container_image=None),
    )  # fmt: skip
    with pytest.raises(PipelineRunFailedError, match="set its sdk_container_image"):
        run(processing.processing, no_image, zenml_plugins)
    monkeypatch.setenv("ZENML_STEP_IMAGE", IMAGE)
    assert run(processing.processing, no_image, zenml_plugins).status == "completed"
    assert (
        dataflow.created()[-1]["environment"]["workerPools"][0]["sdkHarnessContainerImages"][0][
            "containerImage"
        ]
        == IMAGE
    )
