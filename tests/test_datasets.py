"""Dataset artifacts: shards hashed by their writers, verified by their readers, the local
processing backend over them, and conversions to and from DataFrames."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import dataset_steps
import pandas as pd
import pytest

from zenml_core.backends.local import LocalProcessingBackend, LocalProcessingBackendConfig
from zenml_core.dataset import Dataset
from zenml_core.errors import ArtifactIntegrityError, ArtifactStoreError, PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines.spec import SPEC_VERSION, PipelineSpec
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack
from zenml_core.stack.stack import Stack
from zenml_core.steps.context import step_context
from zenml_core.utils.hashing import hash_files
from zenml_core.utils.tracebacks import user_traceback


def pool_stack(repo: Repository, plugins: PluginManager) -> Stack:
    local = load_stack(repo, plugins=plugins, environ={})
    backend = LocalProcessingBackend(
        name="pool", config=LocalProcessingBackendConfig(workers=2), flavor="local"
    )
    return Stack(
        name="pool",
        artifact_store=local.artifact_store,
        metadata_store=local.metadata_store,
        orchestrator=local.orchestrator,
        processing_backend=backend,
    )


def test_a_dataset_round_trips_in_shards_and_converts_for_dataframe_steps(
    repo: Repository, plugins: PluginManager
) -> None:
    output = io.StringIO()
    run = dataset_steps.doubling.run(plugins=plugins, reporter=Reporter(output))
    doubled = run.steps["double"].output.load()
    assert isinstance(doubled, Dataset) and doubled.num_shards == 3 and doubled.num_rows == 30
    expected = dataset_steps.table(30).assign(x=lambda f: f["x"] * 2)
    pd.testing.assert_frame_equal(doubled.to_pandas(), expected)
    assert run.steps["total"].output.load() == pytest.approx(expected["x"].sum())
    assert "[total] input 'frame': a Dataset of 30 rows in 3 shards read whole" in output.getvalue()
    # without a processing backend, the shards ran one after another in the step's process
    assert {pid for pid, _ in run.steps["where_shards_ran"].output.load()} == {os.getpid()}
    folder = Path(run.steps["double"].output.uri)
    manifest = json.loads((folder / "dataset.json").read_text())
    assert [s["rows"] for s in manifest["shards"]] == [10, 10, 10]
    assert sorted(p.name for p in (folder / "shards").iterdir()) == [
        "part-00000.parquet", "part-00001.parquet", "part-00002.parquet",
    ]  # fmt: skip


def test_a_dataset_passed_on_keeps_its_shards_and_its_hash(
    repo: Repository, plugins: PluginManager
) -> None:
    run = dataset_steps.passing_on.run(plugins=plugins, reporter=Reporter(io.StringIO()))
    made, passed = run.steps["make"].output, run.steps["passed_on"].output
    assert passed.uri != made.uri
    assert passed.record.content_hash == made.record.content_hash
    pd.testing.assert_frame_equal(passed.load().to_pandas(), made.load().to_pandas())


def test_the_content_hash_derives_from_the_shard_hashes_and_shards_are_checked_when_read(
    repo: Repository, plugins: PluginManager
) -> None:
    run = dataset_steps.doubling.run(plugins=plugins, reporter=Reporter(io.StringIO()))
    artifact = run.steps["make"].output
    folder = Path(artifact.uri)
    shards = {
        s["file"]: s["content_hash"]
        for s in json.loads((folder / "dataset.json").read_text())["shards"]
    }
    assert hash_files(folder, shards)[0] == artifact.record.content_hash
    # the same bytes hashed as plain files give another hash: the listing stands in for them
    assert hash_files(folder)[0] != artifact.record.content_hash
    # a shard changed in place (same size) passes the cheap check, and is refused when read
    shard = folder / "shards" / "part-00001.parquet"
    data = bytearray(shard.read_bytes())
    data[len(data) // 2] ^= 0xFF
    shard.write_bytes(bytes(data))
    loaded = artifact.load()
    assert loaded.read_shard(0).num_rows == 10
    with pytest.raises(ArtifactIntegrityError, match=r"part-00001.parquet changed after it was"):
        loaded.read_shard(1)
    # a changed manifest is refused before anything is read
    text = (folder / "dataset.json").read_text()
    (folder / "dataset.json").write_text(text.replace('"rows": 10', '"rows": 11', 1))
    with pytest.raises(ArtifactIntegrityError, match="changed after it was written"):
        artifact.load()


def test_the_local_pool_runs_shards_in_other_processes_with_the_same_result(
    repo: Repository, plugins: PluginManager
) -> None:
    serial = dataset_steps.doubling.run(plugins=plugins, reporter=Reporter(io.StringIO()))
    stack = pool_stack(repo, plugins)
    pooled = dataset_steps.doubling.run(
        stack=stack, plugins=plugins, reporter=Reporter(io.StringIO()), rows=30
    )
    places = pooled.steps["where_shards_ran"].output.load()
    assert [rows for _, rows in places] == [10, 10, 10]
    assert os.getpid() not in {pid for pid, _ in places}
    # the step's declared code is the same: the cached result of the serial run is reused
    assert pooled.steps["double"].status == "cached"
    uncached = dataset_steps.doubling.run(
        stack=stack, plugins=plugins, reporter=Reporter(io.StringIO()), rows=31
    )
    assert uncached.steps["double"].status == "completed"
    pd.testing.assert_frame_equal(
        uncached.steps["double"].output.load().to_pandas().iloc[:30],
        serial.steps["double"].output.load().to_pandas(),
    )
    scratch = Path(stack.artifact_store.local_root() or "") / ".tmp"
    assert not any(p.name.startswith("processing-") for p in scratch.glob("*"))


def test_a_failing_shard_fails_the_step_naming_the_shard_and_leaves_no_artifact(
    repo: Repository, plugins: PluginManager
) -> None:
    stack = pool_stack(repo, plugins)
    with pytest.raises(PipelineRunFailedError) as failed:
        dataset_steps.failing.run(stack=stack, plugins=plugins, reporter=Reporter(io.StringIO()))
    message = str(failed.value)
    shard = "shard 2 of 3 (part-00001.parquet)"
    assert f"step 'broken' failed: {shard} failed: ValueError: bad rows from id 10" in message
    assert "\n" not in message
    run = failed.value.run
    shown = user_traceback(run.steps["broken"].record.error or "")
    assert "In the worker:" in shown and 'dataset_steps.py", line' in shown
    assert "raise ValueError(" in shown
    assert run.steps["broken"].outputs == {}
    assert not (Path(run.steps["make"].output.uri).parent.parent / "broken").exists()


def test_a_version_1_spec_is_upgraded_when_read() -> None:
    document = {
        "version": 1, "name": "old", "parameters": {}, "enable_cache": True,
        "steps": [{"name": "a", "source": "m:a", "parameters": {}, "inputs": {},
                   "outputs": {"output": {"type": "builtins:int", "materializer": None}},
                   "settings": {"enable_cache": True, "extra": {}, "training_backend": False},
                   "config": {}}],
    }  # fmt: skip
    upgraded = PipelineSpec.from_dict(document)
    assert upgraded.version == SPEC_VERSION  # 3: steps' after= came after processing_backend
    assert upgraded.steps[0].settings.processing_backend is False and upgraded.steps[0].after == ()


def in_step(work: Any, session: Any = None) -> Any:
    """Run ``work()`` as a step's code would, with ``session`` as its processing session."""
    from zenml_core.steps.context import StepContext, running

    context = StepContext("s", "r", "r", open_processing=(lambda: session) if session else None)
    with running(context):
        try:
            return work()
        finally:
            context.close()


def pool_session() -> Any:
    backend = LocalProcessingBackend(name="pool", config=LocalProcessingBackendConfig(workers=2))
    return backend.session(scratch_root=None, settings={})


@pytest.mark.parametrize("key", [None, "id"])
def test_the_hash_split_does_not_depend_on_the_sharding_or_the_engine(key: str | None) -> None:
    from zenml_core.steps.ml.split import SplitStep

    frame = dataset_steps.mixed_table(3000)
    splitter = SplitStep({"key": key, "seed": 3})
    results = []
    for rows_per_shard, session in [(250, None), (1000, None), (400, pool_session())]:
        data = Dataset.from_pandas(frame, rows_per_shard=rows_per_shard)
        parts = in_step(
            lambda data=data: [part.to_pandas() for part in splitter.entrypoint(data)], session
        )
        results.append([sorted(part["id"]) for part in parts])
    assert results[0] == results[1] == results[2]
    sizes = [len(ids) for ids in results[0]]
    assert sum(sizes) == 3000
    assert sorted(id_ for ids in results[0] for id_ in ids) == list(range(3000))
    for size, fraction in zip(sizes, (0.7, 0.15, 0.15), strict=True):
        assert abs(size / 3000 - fraction) < 0.03
    other_seed = in_step(
        lambda: (
            SplitStep({"key": key, "seed": 4})
            .entrypoint(Dataset.from_pandas(frame))
            .train.to_pandas()
        )
    )
    assert sorted(other_seed["id"]) != results[0][0]


@pytest.mark.parametrize("step_class", ["StandardScalerStep", "OneHotEncoderStep"])
def test_preprocessing_a_dataset_equals_preprocessing_the_dataframe(step_class: str) -> None:
    from zenml_core.steps.ml import preprocessing

    frame = dataset_steps.mixed_table(2000)
    train, eval_, test = frame.iloc[:1400], frame.iloc[1400:1700], frame.iloc[1700:]
    preprocessor = getattr(preprocessing, step_class)()
    expected = preprocessor.entrypoint(
        train.reset_index(drop=True), eval_.reset_index(drop=True), test.reset_index(drop=True)
    )

    def on_datasets() -> Any:
        sharded = [Dataset.from_pandas(p, rows_per_shard=300) for p in (train, eval_, test)]
        result = preprocessor.entrypoint(*sharded)
        return [part.to_pandas() for part in result[:3]], result.state

    frames, state = in_step(on_datasets, pool_session())
    if step_class == "StandardScalerStep":
        for column in ("id", "size", "weight"):
            assert state["mean"][column] == pytest.approx(expected.state["mean"][column])
            assert state["std"][column] == pytest.approx(expected.state["std"][column])
    else:
        assert state == expected.state == {"color": ["blue", "green", "red"]}
    for got, want in zip(frames, expected[:3], strict=True):
        pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-9)


def test_the_csv_importer_streams_a_file_into_shards(
    repo: Repository, plugins: PluginManager, tmp_path: Path
) -> None:
    from zenml_core.pipelines import pipeline
    from zenml_core.steps.ml.importers import CSVDatasetImporter

    frame = dataset_steps.mixed_table(2500)
    frame.to_csv(tmp_path / "data.csv", index=False)

    @pipeline
    def importing() -> None:
        CSVDatasetImporter({"path": str(tmp_path / "*.csv"), "rows_per_shard": 1000})()

    run = importing.run(plugins=plugins, reporter=Reporter(io.StringIO()))
    imported = run.steps["CSVDatasetImporter"].output.load()
    assert [shard.rows for shard in imported.shards] == [1000, 1000, 500]
    pd.testing.assert_frame_equal(imported.to_pandas(), frame, check_dtype=False)


def test_a_simple_pipeline_runs_on_datasets_with_the_local_pool(
    repo: Repository, plugins: PluginManager, tmp_path: Path
) -> None:
    from ml_steps import LogisticTrainer

    from zenml_core.pipelines import SimplePipeline
    from zenml_core.steps.ml.evaluation import ClassificationEvaluator
    from zenml_core.steps.ml.importers import CSVDatasetImporter
    from zenml_core.steps.ml.preprocessing import StandardScalerStep
    from zenml_core.steps.ml.split import SplitStep

    dataset_steps.mixed_table(3000).drop(columns=["color"]).to_csv(
        tmp_path / "data.csv", index=False
    )
    training = SimplePipeline(
        importer=CSVDatasetImporter({"path": str(tmp_path / "data.csv"), "rows_per_shard": 500}),
        splitter=SplitStep({"key": "id"}),
        preprocessor=StandardScalerStep(),
        trainer=LogisticTrainer(),
        evaluator=ClassificationEvaluator(),
        name="sharded",
    )
    output = io.StringIO()
    with pytest.warns(UserWarning, match="with pickle"):  # the sklearn model
        run = training.run(
            stack=pool_stack(repo, plugins), plugins=plugins, reporter=Reporter(output)
        )
    assert run.status == "completed"
    assert isinstance(run.steps["preprocess"].outputs["train"].load(), Dataset)
    assert "[train] input 'train': a Dataset of" in output.getvalue()
    assert set(run.steps["evaluate"].output.load()) >= {"accuracy", "f1"}


def test_shards_whose_text_column_came_back_empty_take_the_type_of_the_others() -> None:
    frame = dataset_steps.mixed_table(300)
    data = Dataset.from_pandas(frame, rows_per_shard=100)
    result = in_step(
        lambda: (
            step_context()
            .processing.transform_shards(
                dataset_steps.only_the_first_group_of_the_first_shard, data
            )
            .to_pandas()
        )
    )
    assert list(result["id"]) == list(range(100, 300))
    assert set(result["color"]) <= {"red", "green", "blue"}


def test_the_hash_of_a_listing_equals_the_hash_of_the_folder(
    repo: Repository, plugins: PluginManager
) -> None:
    """What a store elsewhere checks (sizes it recorded, the shard hashes, the manifest read
    by URL) gives the same content hash as hashing the folder."""
    from zenml_core.utils.hashing import hash_listing

    run = dataset_steps.doubling.run(plugins=plugins, reporter=Reporter(io.StringIO()))
    artifact = run.steps["make"].output
    folder = Path(artifact.uri)
    known = {s.file: s.content_hash for s in artifact.load().shards}
    _, size, sizes = hash_files(folder, known)
    read: list[str] = []

    def reading(name: str) -> bytes:
        read.append(name)
        return (folder / name).read_bytes()

    assert hash_listing(sizes, known, reading) == (artifact.record.content_hash, size)
    assert read == ["dataset.json"]  # the shards are not read: their hashes stand in
    big = folder.parent / "big"
    big.mkdir()
    (big / "blob").write_bytes(os.urandom(3 << 20))  # read in chunks
    content_hash, size, sizes = hash_files(big)
    assert hash_listing(sizes, {}, lambda n: (big / n).read_bytes()) == (content_hash, size)


def test_shards_written_at_urls_are_read_by_url_and_fetched_into_a_local_artifact(
    repo: Repository, plugins: PluginManager
) -> None:
    """Workers elsewhere write shards by URL (fsspec's memory file system stands in for a
    bucket); a local store takes them in, checked against their recorded hashes."""
    import fsspec

    from zenml_core.backends.processing import ProcessingSession

    source = Dataset.from_pandas(dataset_steps.table(900), rows_per_shard=300)

    class AtURL(ProcessingSession):
        def scratch_location(self) -> str:
            return "memory://bucket/scratch"

    session = AtURL(None, {})
    result = in_step(lambda: session.transform_shards(dataset_steps.doubled, source), session)
    assert all(s.file.startswith("memory://bucket/scratch/") for s in result.shards)
    store = load_stack(repo, plugins=plugins, environ={}).artifact_store
    from zenml_core.materializers.dataset import DatasetMaterializer

    stored = store.write(
        store.uri("p", "r", "s", "out"), lambda f: DatasetMaterializer().save(result, f)
    )
    expected = dataset_steps.doubled(dataset_steps.table(900))
    pd.testing.assert_frame_equal(Dataset.open(stored.uri).to_pandas(), expected)
    assert (Path(stored.uri) / "shards" / "part-00002.parquet").exists()
    # a shard changed at its URL after its worker recorded it is refused, not stored
    again = in_step(lambda: session.transform_shards(dataset_steps.doubled, source), session)
    memory = fsspec.filesystem("memory")
    path = again.shards[1].file.removeprefix("memory://")
    memory.pipe_file(path, memory.cat_file(path)[:-1] + b"!")
    with pytest.raises(ArtifactStoreError, match="changed after its writer recorded it"):
        store.write(
            store.uri("p", "r", "s", "out2"), lambda f: DatasetMaterializer().save(again, f)
        )
