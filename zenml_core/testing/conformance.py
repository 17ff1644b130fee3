"""Conformance suites: subclass one in your plugin's tests and provide its fixture.

- ``ArtifactStoreConformance``: fixture ``artifact_store`` (initialized, empty).
- ``MetadataStoreConformance``: fixture ``metadata_store`` (empty).
- ``OrchestratorConformance``: fixture ``orchestrator_stack``, a ``Stack`` using the
  orchestrator under test (usually built in ``zenml_project``). Results are compared with the
  local orchestrator's, run in a second project.

First-party stores and orchestrators run these suites in their own tox environments.
"""

from __future__ import annotations

import io
import socket
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from zenml_core.errors import ArtifactStoreError, MetadataNotFoundError, PipelineRunFailedError
from zenml_core.metadata_stores.records import NewArtifact
from zenml_core.orchestrators.reporting import Reporter


def local_stack_with(repository: Any, plugins: Any, orchestrator: Any) -> Any:
    """The repository's local artifact store and metadata store with ``orchestrator``: the
    stack most orchestrator plugins test with."""
    from zenml_core.stack.builder import load_stack
    from zenml_core.stack.stack import Stack

    local = load_stack(repository, plugins=plugins, environ={})
    return Stack(
        name=f"{orchestrator.name}-local-stores",
        artifact_store=local.artifact_store,
        metadata_store=local.metadata_store,
        orchestrator=orchestrator,
    )


class ArtifactStoreConformance:
    """Atomic write-once artifacts, reading back, existence, manifests and listing, and names
    that could escape the store."""

    @pytest.fixture
    def artifact_store(self) -> Any:
        raise NotImplementedError("provide an initialized, empty artifact store")

    @staticmethod
    def _text(text: str) -> Any:
        return lambda folder: (Path(folder) / "data.txt").write_text(text)

    def test_write_read_and_exists(self, artifact_store: Any) -> None:
        uri = artifact_store.uri("pipe", "run", "step", "out")
        assert not artifact_store.exists(uri)
        stored = artifact_store.write(uri, self._text("hello"))
        assert (stored.uri, stored.size) == (uri, 5)
        assert artifact_store.exists(uri)
        folder = artifact_store.local_path(uri)
        assert (Path(folder) / "data.txt").read_text() == "hello"

    def test_artifacts_are_write_once(self, artifact_store: Any) -> None:
        uri = artifact_store.uri("pipe", "run", "step", "out")
        artifact_store.write(uri, self._text("first"))
        with pytest.raises(ArtifactStoreError, match="write-once"):
            artifact_store.write(uri, self._text("second"))
        assert (Path(artifact_store.local_path(uri)) / "data.txt").read_text() == "first"

    def test_a_failed_write_leaves_no_artifact(self, artifact_store: Any) -> None:
        uri = artifact_store.uri("pipe", "run", "step", "out")

        def crash(folder: Any) -> None:
            (Path(folder) / "half.txt").write_text("partial")
            raise RuntimeError("crash while writing")

        with pytest.raises(RuntimeError, match="crash while writing"):
            artifact_store.write(uri, crash)
        assert not artifact_store.exists(uri)
        artifact_store.write(uri, self._text("after the crash"))  # the name is still free

    def test_a_steps_outputs_are_committed_together(self, artifact_store: Any) -> None:
        """The artifact-write protocol: ``write_outputs`` makes all or none visible."""
        step_uri = artifact_store.uri("pipe", "run", "step")

        def crash(folder: Any) -> None:
            (Path(folder) / "half.txt").write_text("partial")
            raise RuntimeError("killed while writing the second output")

        with pytest.raises(RuntimeError, match="killed while writing"):
            artifact_store.write_outputs(step_uri, {"a": self._text("first"), "b": crash})
        assert not artifact_store.exists(f"{step_uri}/a")
        assert not artifact_store.exists(f"{step_uri}/b")
        stored = artifact_store.write_outputs(
            step_uri, {"a": self._text("first"), "b": self._text("second!")}
        )
        assert {name: (s.uri, s.size, s.files) for name, s in stored.items()} == {
            "a": (f"{step_uri}/a", 5, {"data.txt": 5}),
            "b": (f"{step_uri}/b", 7, {"data.txt": 7}),
        }
        assert (Path(artifact_store.local_path(f"{step_uri}/b")) / "data.txt").read_text() == (
            "second!"
        )
        with pytest.raises(ArtifactStoreError, match="write-once"):
            artifact_store.write_outputs(step_uri, {"a": self._text("again")})

    def test_an_intact_artifact_passes_the_cache_hit_check(self, artifact_store: Any) -> None:
        uri = artifact_store.uri("pipe", "run", "step", "out")
        stored = artifact_store.write(uri, self._text("hello"))
        assert artifact_store.check_files(uri, stored.size) is None
        assert artifact_store.check_files(artifact_store.uri("pipe", "run", "step", "no"), 1)

    def test_a_store_contains_only_uris_inside_its_location(self, artifact_store: Any) -> None:
        inside = artifact_store.uri("pipe", "run", "step", "out")
        assert artifact_store.contains(inside)
        assert not artifact_store.contains(artifact_store.uri() + "-next-door/p/r/s/o")
        assert not artifact_store.contains("/elsewhere/p/r/s/o")
        assert not artifact_store.contains(artifact_store.uri("pipe") + "/../../x")

    def test_content_hashes_follow_content(self, artifact_store: Any) -> None:
        first = artifact_store.write(artifact_store.uri("p", "r", "s", "a"), self._text("x"))
        same = artifact_store.write(artifact_store.uri("p", "r", "s", "b"), self._text("x"))
        other = artifact_store.write(artifact_store.uri("p", "r", "s", "c"), self._text("y"))
        assert first.content_hash == same.content_hash != other.content_hash

    @pytest.mark.parametrize("name", ["..", ".", "", "a/b", "a\\b"])
    def test_names_that_escape_the_store_are_refused(self, artifact_store: Any, name: str) -> None:
        with pytest.raises(ArtifactStoreError):
            artifact_store.uri("pipe", name, "out")

    def test_manifests_round_trip_and_are_listed(self, artifact_store: Any) -> None:
        run_folder = artifact_store.uri("pipe", "run")
        step_folder = artifact_store.uri("pipe", "run", "step")
        artifact_store.write_manifest(run_folder, {"run": 1})
        artifact_store.write_manifest(step_folder, {"step": 2})
        assert artifact_store.read_manifest(step_folder) == {"step": 2}
        assert artifact_store.manifest_folders() == sorted([run_folder, step_folder])


class MetadataStoreConformance:
    """Runs, step runs, artifacts, lineage, cache lookups, orphans and concurrent writers."""

    @pytest.fixture
    def metadata_store(self) -> Any:
        raise NotImplementedError("provide an empty metadata store")

    @staticmethod
    def new_run(
        store: Any, run_id: str, pipeline: str = "p", pid: int = 1, resumed_from: str | None = None
    ) -> None:
        store.create_run(
            run_id=run_id, name=f"{pipeline}-{run_id}", pipeline=pipeline, stack_name="s",
            stack={}, spec={"name": pipeline}, parameters={"lr": 0.1}, git_commit="abc",
            git_dirty=False, host="conformance-host", pid=pid, resumed_from=resumed_from,
        )  # fmt: skip

    @staticmethod
    def artifact(name: str, content: str = "h") -> NewArtifact:
        return NewArtifact(name, f"/store/{name}", "builtins:int", "json@1", 3, content)

    def test_runs_steps_artifacts_and_lineage(self, metadata_store: Any) -> None:
        store = metadata_store
        self.new_run(store, "r1")
        load = store.start_step("r1", "load", {"n": 3}, "key-load")
        outputs = store.complete_step(load, [self.artifact("output")], {}, {"rows": 3})
        train = store.start_step("r1", "train", {}, "key-train")
        store.complete_step(train, [self.artifact("model")], {"data": outputs["output"].id})
        store.finish_run("r1", "completed")
        run = store.get_run("p-r1")
        assert (run.id, run.status, run.parameters) == ("r1", "completed", {"lr": 0.1})
        steps = {s.name: s for s in store.list_step_runs("r1")}
        assert steps["load"].metadata == {"rows": 3} and steps["load"].parameters == {"n": 3}
        assert store.step_run_inputs(train)["data"].producer_id == load
        assert store.step_outputs("r1", "train")["model"].uri == "/store/model"
        assert [(p.name, p.runs) for p in store.list_pipelines()] == [("p", 1)]
        with pytest.raises(MetadataNotFoundError):
            store.get_run("missing")

    def test_cache_lookups_and_cached_steps(self, metadata_store: Any) -> None:
        store = metadata_store
        self.new_run(store, "r1")
        original = store.start_step("r1", "load", {}, "same-key")
        created = store.complete_step(original, [self.artifact("output")], {})
        assert store.find_cached("other") is None
        self.new_run(store, "r2")
        cached = store.record_cached_step("r2", "load", {}, "same-key", original, {})
        assert store.get_step_run(cached).cached_from == original
        assert store.step_run_outputs(cached) == created

    def test_failed_and_skipped_steps_and_closing_runs(self, metadata_store: Any) -> None:
        store = metadata_store
        self.new_run(store, "r1")
        running = store.start_step("r1", "slow", {}, None)
        store.skip_step("r1", "after", "upstream step 'slow' failed")
        store.finish_run("r1", "failed", "interrupted")
        assert store.get_step_run(running).status == "failed"
        assert store.get_run("r1").error == "interrupted"

    def test_runs_are_found_by_name_id_latest_and_unique_prefix(self, metadata_store: Any) -> None:
        import time

        store = metadata_store
        for run_id in ("a1b2", "a1c3", "b7d9"):
            self.new_run(store, run_id, pipeline="train")
            time.sleep(0.002)  # distinct start times
        assert store.get_run("train-a1b2").id == "a1b2"  # exact name
        assert store.get_run("b7d9").id == "b7d9"  # exact id
        assert store.get_run("latest").id == "b7d9"
        assert [store.get_run(f"latest~{n}").id for n in (1, 2)] == ["a1c3", "a1b2"]
        assert store.get_run("train-b").id == "b7d9"  # the start of a name
        assert store.get_run("a1c").id == "a1c3"  # the start of an id
        with pytest.raises(MetadataNotFoundError, match=r"start of several runs \(train-a1b2, "):
            store.get_run("train-a1")
        for missing in ("latest~3", "zz", "train-c"):
            with pytest.raises(MetadataNotFoundError, match="no run with id or name"):
                store.get_run(missing)

    def test_an_ended_run_records_no_more_steps(self, metadata_store: Any) -> None:
        from zenml_core.errors import RunClosedError

        store = metadata_store
        self.new_run(store, "r1")
        first = store.start_step("r1", "load", {}, "key")
        store.complete_step(first, [self.artifact("output")], {})
        running = store.start_step("r1", "slow", {}, None)
        store.finish_run("r1", "failed", "orphaned: its process ended")  # reaped
        late: list[Callable[[], object]] = [
            lambda: store.start_step("r1", "late", {}, None),
            lambda: store.complete_step(running, [self.artifact("model")], {}),
            lambda: store.record_cached_step("r1", "again", {}, "key", first, {}),
            lambda: store.fail_step(running, "too late"),
            lambda: store.skip_step("r1", "after", "too late"),
        ]
        for record in late:
            with pytest.raises(RunClosedError, match="already ended failed"):
                record()
        store.finish_run("r1", "completed")  # the original process, woken up, closing it
        run = store.get_run("r1")
        assert (run.status, run.error) == ("failed", "orphaned: its process ended")
        steps = {s.name: s.status for s in store.list_step_runs("r1")}
        assert steps == {"load": "completed", "slow": "failed"}

    def test_a_run_is_resumed_once_at_a_time_and_once_completed_never_again(
        self, metadata_store: Any
    ) -> None:
        from zenml_core.errors import ResumeError

        store = metadata_store
        self.new_run(store, "r1")
        store.finish_run("r1", "failed", "step 'slow' failed")
        self.new_run(store, "r2", resumed_from="r1")
        with pytest.raises(ResumeError, match="being resumed by run p-r2, which is still running"):
            self.new_run(store, "r3", resumed_from="r1")
        store.finish_run("r2", "failed", "again")  # a failed resume may be resumed again
        self.new_run(store, "r4", resumed_from="r1")
        store.finish_run("r4", "completed")
        with pytest.raises(ResumeError, match="already resumed by run p-r4, which completed"):
            self.new_run(store, "r5", resumed_from="r1")
        assert {run.id for run in store.list_runs()} == {"r1", "r2", "r4"}

    def test_runs_of_dead_processes_are_failed_on_read(self, metadata_store: Any) -> None:
        import subprocess
        import sys

        process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        metadata_store.create_run(
            run_id="dead", name="dead", pipeline="p", stack_name="s", stack={}, spec={},
            parameters={}, git_commit=None, git_dirty=None, host=socket.gethostname(),
            pid=process.pid,
        )  # fmt: skip
        step = metadata_store.start_step("dead", "work", {}, None)
        assert metadata_store.get_run("dead").status == "running"  # its process is alive
        process.kill()
        process.wait()
        run = metadata_store.get_run("dead")
        host = socket.gethostname()
        assert run.status == "failed"
        assert (
            run.error
            == f"orphaned: its process (pid {process.pid} on {host}) ended without closing it"
        )
        assert metadata_store.get_step_run(step).status == "failed"

    def test_a_run_followed_remotely_is_claimed_by_one_closer(self, metadata_store: Any) -> None:
        import datetime

        quiet = datetime.timedelta(seconds=30)
        self.new_run(metadata_store, "r1")
        metadata_store.set_orchestrator_run_id("r1", "remote-1")
        assert not metadata_store.claim_run("r1", quiet)  # its process beat just now
        metadata_store.set_orchestrator_run_id("r1", "remote-1", released=True)
        assert metadata_store.reap_orphans() == []  # silent, but followed remotely
        assert metadata_store.get_run("r1").orchestrator_run_id == "remote-1"
        assert metadata_store.claim_run("r1", quiet)
        assert not metadata_store.claim_run("r1", quiet)  # taken by the first claim
        metadata_store.finish_run("r1", "completed")
        metadata_store.set_orchestrator_run_id("r1", "remote-1", released=True)
        assert not metadata_store.claim_run("r1", quiet)  # ended

    def test_concurrent_writers_lose_nothing(self, metadata_store: Any) -> None:
        store = metadata_store
        self.new_run(store, "r1")
        errors: list[BaseException] = []

        def work(worker: int) -> None:
            try:
                for index in range(20):
                    step = store.start_step("r1", f"w{worker}-{index}", {}, f"k{worker}-{index}")
                    store.complete_step(step, [self.artifact("out", f"{worker}-{index}")], {})
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(worker,)) for worker in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        steps = store.list_step_runs("r1")
        assert len(steps) == 80 and {s.status for s in steps} == {"completed"}


class OrchestratorConformance:
    """Linear, diamond and wide DAGs, a failing step, caching, parallel branches and
    parameters; every artifact equal to the local orchestrator's."""

    #: Set False (with a reason in your docstring) if steps cannot run at the same time.
    parallel_steps = True

    @pytest.fixture
    def orchestrator_stack(self) -> Any:
        raise NotImplementedError("provide a Stack whose orchestrator is the one under test")

    @pytest.fixture
    def reference_stack(self, tmp_path: Path, zenml_plugins: Any) -> Any:
        """The default local stack of a second project, to compare results with."""
        import subprocess

        from zenml_core.repository import Repository
        from zenml_core.stack.builder import load_stack

        root = tmp_path / "reference"
        root.mkdir()
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        repository, _ = Repository.initialize(root, plugins=zenml_plugins)
        return load_stack(repository, plugins=zenml_plugins, environ={})

    @staticmethod
    def run(pipeline: Any, stack: Any, plugins: Any, **parameters: Any) -> Any:
        return pipeline.run(
            stack=stack, plugins=plugins, reporter=Reporter(io.StringIO()), **parameters
        )

    @staticmethod
    def results(run: Any) -> dict[tuple[str, str], tuple[str, Any]]:
        return {
            (step.name, name): (artifact.record.content_hash, artifact.load())
            for step in run.steps.values()
            for name, artifact in step.outputs.items()
        }

    @pytest.mark.parametrize("name", ["linear", "diamond", "wide", "mapped"])
    def test_dags_give_the_local_orchestrators_artifacts(
        self, name: str, orchestrator_stack: Any, reference_stack: Any, zenml_plugins: Any
    ) -> None:
        from zenml_core.testing import pipelines

        pipeline = getattr(pipelines, name)
        under_test = self.run(pipeline, orchestrator_stack, zenml_plugins)
        reference = self.run(pipeline, reference_stack, zenml_plugins)
        assert under_test.status == "completed"
        assert {s.status for s in under_test.steps.values()} == {"completed"}
        got, expected = self.results(under_test), self.results(reference)
        differing = {
            key: (got.get(key), expected.get(key))
            for key in expected.keys() | got.keys()
            if got.get(key) != expected.get(key)
        }
        assert not differing, f"outputs differ from the local orchestrator's: {differing}"

    def test_a_failing_step_fails_the_run_skips_dependants_and_spares_the_rest(
        self, orchestrator_stack: Any, zenml_plugins: Any
    ) -> None:
        from zenml_core.testing import pipelines

        with pytest.raises(PipelineRunFailedError, match="conformance: this step fails"):
            self.run(pipelines.failing, orchestrator_stack, zenml_plugins)
        (run,) = orchestrator_stack.metadata_store.list_runs(limit=1)
        assert run.status == "failed"
        steps = {s.name: s.status for s in orchestrator_stack.metadata_store.list_step_runs(run.id)}
        assert steps == pipelines.FAILING_STATUSES

    def test_a_second_run_is_fully_cached(
        self, orchestrator_stack: Any, zenml_plugins: Any
    ) -> None:
        from zenml_core.testing import pipelines

        first = self.run(pipelines.diamond, orchestrator_stack, zenml_plugins)
        second = self.run(pipelines.diamond, orchestrator_stack, zenml_plugins)
        assert {s.status for s in second.steps.values()} == {"cached"}
        assert self.results(second) == self.results(first)

    def test_parameters_reach_the_steps_and_the_record(
        self, orchestrator_stack: Any, zenml_plugins: Any
    ) -> None:
        from zenml_core.testing import pipelines

        run = self.run(pipelines.linear, orchestrator_stack, zenml_plugins, count=3)
        assert run.record.parameters == {"count": 3}
        assert run.steps["total"].output.load() == (0 + 1 + 2) + 3 * 11
        assert run.steps["total"].metadata == {"count": 3}

    def test_independent_branches_run_at_the_same_time(
        self, orchestrator_stack: Any, zenml_plugins: Any
    ) -> None:
        if not self.parallel_steps:
            pytest.skip("this orchestrator runs one step at a time")
        from zenml_core.testing import pipelines

        # A folder every step can see: inside the artifact store.
        store_root = Path(orchestrator_stack.artifact_store.local_path(
            orchestrator_stack.artifact_store.uri("conformance")
        ))  # fmt: skip
        folder = store_root / uuid.uuid4().hex
        folder.mkdir(parents=True)
        run = self.run(pipelines.parallel, orchestrator_stack, zenml_plugins, folder=str(folder))
        assert sorted(s.output.load() for s in run.steps.values()) == ["left", "right"]


class ProcessingBackendConformance:
    """Dataset steps on the backend under test give the local pool's results (compared as
    rows, floats to a tolerance: engines may write different bytes); a cached step starts no
    session; a failing shard fails the step naming the shard and leaves no artifact; step
    metadata is recorded. Needs zenml-core's ``ml`` extra."""

    @pytest.fixture
    def processing_stack(self) -> Any:
        raise NotImplementedError("provide a Stack whose processing backend is the one under test")

    @staticmethod
    def run(pipeline: Any, stack: Any, plugins: Any, **parameters: Any) -> Any:
        return pipeline.run(
            stack=stack, plugins=plugins, reporter=Reporter(io.StringIO()), **parameters
        )

    def test_results_equal_the_pandas_computation(
        self, processing_stack: Any, zenml_plugins: Any
    ) -> None:
        import pandas as pd

        from zenml_core.testing import processing

        run = self.run(processing.processing, processing_stack, zenml_plugins, factor=3.0)
        assert run.status == "completed"
        expected = processing.table(1000).assign(value=lambda f: f["value"] * 3.0)
        scaled = run.steps["scale"].output.load()
        assert scaled.num_shards == 4
        pd.testing.assert_frame_equal(scaled.to_pandas(), expected, check_dtype=False, rtol=1e-12)
        counts = expected["group"].value_counts()
        assert run.steps["count_groups"].output.load() == {
            str(k): int(counts[k]) for k in sorted(counts.index)
        }
        assert run.steps["count_groups"].metadata == {"shards": 4, "rows": 1000}

    def test_a_cached_step_starts_no_session(
        self, processing_stack: Any, zenml_plugins: Any
    ) -> None:
        from zenml_core.testing import processing

        backend = processing_stack.processing_backend
        opened: list[int] = []
        session = backend.session

        def counting(**arguments: Any) -> Any:
            opened.append(1)
            return session(**arguments)

        backend.session = counting
        try:
            self.run(processing.processing, processing_stack, zenml_plugins)
            assert len(opened) == 2  # scale and count_groups
            second = self.run(processing.processing, processing_stack, zenml_plugins)
        finally:
            del backend.session
        assert {s.status for s in second.steps.values()} == {"cached"}
        assert len(opened) == 2

    def test_a_failing_shard_fails_the_step_naming_it_and_leaves_no_artifact(
        self, processing_stack: Any, zenml_plugins: Any
    ) -> None:
        from zenml_core.testing import processing

        with pytest.raises(PipelineRunFailedError) as failed:
            self.run(processing.failing_shard, processing_stack, zenml_plugins)
        message = str(failed.value)
        assert "step 'breaks' failed: shard 3 of 4" in message
        assert "ValueError: conformance: shard with id 749 fails" in message
        run = failed.value.run
        assert run.steps["breaks"].status == "failed" and run.steps["breaks"].outputs == {}
