"""What the store hands back is what was written: cache hits need readable, intact artifacts
in the active store, every load is verified, a step's outputs appear together, and leftovers
of killed writers and unused artifacts can be cleaned up."""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import sample_steps
from conftest import Cli, run_zenml
from sample_steps import arithmetic

from zenml_core.client import Client
from zenml_core.errors import ArtifactIntegrityError, PipelineRunFailedError
from zenml_core.manifests import ArtifactEntry, StepManifest
from zenml_core.materializers.registry import PickleFallbackWarning
from zenml_core.metadata_stores.rebuild import drop_untrusted_outputs, trusted_materializers
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository


def run(plugins: PluginManager, output: io.StringIO | None = None, **parameters: Any) -> Any:
    sample_steps.CALLS.clear()
    return arithmetic.run(plugins=plugins, reporter=Reporter(output or io.StringIO()), **parameters)


def statuses(finished: Any) -> dict[str, str]:
    return {name: step.status for name, step in finished.steps.items()}


def data_file(finished: Any, step: str, output: str = "output") -> Path:
    return Path(finished.steps[step].outputs[output].record.uri) / "data.json"


def test_a_cached_result_in_another_artifact_store_runs_again_and_says_why(
    cli: Cli, repo: Repository, plugins: PluginManager, tmp_path: Path, monkeypatch: Any
) -> None:
    run(plugins)
    cli("artifact-store", "register", "other", "--flavor", "local", f"--path={tmp_path}/other")
    cli("stack", "register", "other", "-a", "other", "-m", "default", "-o", "default")
    monkeypatch.setenv("ZENML_STACK", "other")
    output = io.StringIO()
    moved = run(plugins, output)
    assert set(statuses(moved).values()) == {"completed"}
    reason = moved.steps["numbers"].record.reason
    assert reason.startswith("cached output 'output' is at ") and "outside the active " in reason
    assert "artifact store 'other'" in reason
    assert "[numbers] not reused: cached output 'output'" in output.getvalue()
    assert moved.steps["total"].output.load() == 20
    shown = cli("runs", "show", moved.name).stdout
    assert "outside the active artifact store 'other'" in shown
    again = run(plugins)  # and now it is cached in the other store
    assert set(statuses(again).values()) == {"cached"}
    assert again.steps["numbers"].record.reason is None


def test_a_cached_output_with_missing_or_resized_files_runs_again(
    repo: Repository, plugins: PluginManager
) -> None:
    first = run(plugins)
    data_file(first, "numbers").unlink()  # the folder stays
    second = run(plugins)
    assert statuses(second)["numbers"] == "completed"
    assert "its file data.json is gone" in second.steps["numbers"].record.reason
    assert statuses(second)["halves"] == "cached"  # same content again: its key is unchanged
    even = data_file(second, "halves", "even")
    even.write_text(even.read_text() + " ")
    third = run(plugins)
    assert statuses(third)["halves"] == "completed"
    assert "holds" in third.steps["halves"].record.reason
    assert third.steps["total"].output.load() == 20


def test_an_artifact_changed_on_disk_is_refused_when_loaded(
    repo: Repository, plugins: PluginManager
) -> None:
    first = run(plugins)
    even = data_file(first, "halves", "even")
    tampered = even.read_text().replace("0", "4")
    assert len(tampered) == len(even.read_text())  # same size: only the hash can tell
    even.write_text(tampered)
    artifact = Client(plugins=plugins).run(first.id).steps["halves"].outputs["even"]
    with pytest.raises(ArtifactIntegrityError) as caught:
        artifact.load()
    message = str(caught.value)
    assert "\n" not in message
    assert f"artifact {artifact.record.id} (output 'even') at {artifact.record.uri}" in message
    assert artifact.record.content_hash in message and "found xxh3_128:" in message
    # a step that reads it fails with the same line instead of computing on changed data
    with pytest.raises(PipelineRunFailedError) as failed:
        run(plugins, offset=1)
    assert "changed after it was written" in str(failed.value)
    result = run_zenml("artifacts", "show", str(artifact.record.id), "--value", cwd=repo.root)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "changed after it was written" in result.stderr


class Exploit:
    """Unpickling this runs a command: what a tampered pickle could do."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (os.system, (f"touch {self.marker}",))


def test_a_pickle_is_unpickled_only_after_its_hash_matched(
    repo: Repository, plugins: PluginManager, tmp_path: Path
) -> None:
    with pytest.warns(PickleFallbackWarning, match="sample_steps:Opaque with pickle"):
        finished = sample_steps.opaque_pipeline.run(
            plugins=plugins, reporter=Reporter(io.StringIO())
        )
    artifact = finished.steps["opaque"].output
    assert artifact.record.materializer.startswith("zenml_core.materializers.builtin:Pickle")
    result = run_zenml(
        "artifacts", "show", str(artifact.record.id), "--value",
        cwd=repo.root, extra_path=Path(__file__).parent,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "is a pickle; showing its value runs code from" in result.stderr
    folder = Path(artifact.record.uri)
    (pickled,) = [p for p in folder.iterdir() if not p.name.startswith(".")]
    marker = tmp_path / "exploited"
    pickled.write_bytes(pickle.dumps(Exploit(marker)))
    with pytest.raises(ArtifactIntegrityError):
        artifact.load()
    assert not marker.exists()


KILLED = """
    import os
    from pathlib import Path
    from typing import NamedTuple

    from zenml_core.materializers.base import BaseMaterializer
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step


    class Dies(BaseMaterializer):
        def save(self, value, folder: Path) -> None:
            (folder / "half").write_text("partial")
            os._exit(9)  # killed while writing the second output

        def load(self, folder, data_type):
            raise AssertionError("never written")


    class Pair(NamedTuple):
        first: int
        second: int


    @step(materializers={"second": Dies})
    def two() -> Pair:
        return Pair(1, 2)


    @pipeline
    def killed():
        two()


    if __name__ == "__main__":
        killed()
"""


def test_a_step_killed_between_its_outputs_leaves_neither_and_its_staging_is_removed(
    git_repo: Path,
) -> None:
    (git_repo / "killed.py").write_text(textwrap.dedent(KILLED))
    assert run_zenml("init", cwd=git_repo).returncode == 0
    died = subprocess.run([sys.executable, "killed.py"], cwd=git_repo, capture_output=True)
    assert died.returncode == 9
    store = git_repo / ".zen" / "artifacts"
    committed = [p for p in store.glob("killed/*/two/*") if p.is_dir()]
    assert committed == []  # the first output is not visible without the second
    assert list(store.glob(".staging/killed/*/two/first"))  # what the writer left
    runs = json.loads(run_zenml("runs", "list", "--output", "json", cwd=git_repo).stdout)
    assert [r["status"] for r in runs] == ["failed"]  # its process is gone
    # the next run removes the leftovers of runs that are not running any more
    (git_repo / "fine.py").write_text(
        "from zenml_core.pipelines import pipeline\nfrom zenml_core.steps import step\n\n\n"
        "@step\ndef one() -> int:\n    return 1\n\n\n@pipeline\ndef fine():\n    one()\n"
    )
    assert run_zenml("pipeline", "run", "fine.py:fine", cwd=git_repo).returncode == 0
    assert list(store.glob(".staging/*/*")) == []


def test_gc_lists_then_removes_what_no_run_uses_and_spares_running_runs(
    cli: Cli, repo: Repository, plugins: PluginManager
) -> None:
    result = run_zenml("artifacts", "gc", cwd=repo.root)
    assert result.returncode == 1 and "zenml metadata rebuild" in result.stderr  # empty store
    finished = run(plugins)
    store = repo.root / ".zen" / "artifacts"
    unknown_run = store / "arithmetic" / ("0" * 32) / "numbers"
    (unknown_run / "output").mkdir(parents=True)
    (unknown_run / "manifest.json").write_text("{}")
    extra = store / "arithmetic" / finished.id / "numbers" / "stray"
    extra.mkdir()
    stack_store = Client(plugins=plugins).metadata
    stack_store.create_run(
        run_id="1" * 32, name="live", pipeline="arithmetic", stack_name="default", stack={},
        spec={}, parameters={}, git_commit=None, git_dirty=None,
        host=os.uname().nodename, pid=os.getpid(),
    )  # fmt: skip
    live = store / "arithmetic" / ("1" * 32) / "numbers" / "output"
    live.mkdir(parents=True)

    listed = run_zenml("artifacts", "gc", cwd=repo.root)
    assert listed.returncode == 0, listed.stderr
    assert sorted(listed.stdout.split()) == sorted([str(unknown_run.parent), str(extra)])
    assert "Would remove 2 unused artifact folders" in listed.stderr
    assert unknown_run.exists() and extra.exists()  # a dry run by default

    removed = run_zenml("artifacts", "gc", "--delete", cwd=repo.root)
    assert removed.returncode == 0 and "Removed 2" in removed.stderr
    assert not unknown_run.parent.exists() and not extra.exists()
    assert live.exists()  # a running run is never touched
    assert Client(plugins=plugins).run(finished.id).steps["total"].output.load() == 20


def test_a_rebuild_trusts_only_registered_or_project_materializers(
    repo: Repository, plugins: PluginManager
) -> None:
    (repo.root / "mine.py").write_text("class Mine: ...\n")
    registered = [entry.materializer for entry in plugins.registry.materializers]
    accept = trusted_materializers(registered, repo.root)
    assert accept(registered[0] + "@1")
    assert accept("mine:Mine")
    assert not accept("os:system")
    assert not accept("subprocess:Popen@1")
    assert not accept("../mine:Mine")

    def step(name: str, output: str, materializer: str) -> StepManifest:
        artifact = ArtifactEntry(
            uri=f"/a/{name}", type="builtins:int", materializer=materializer, size=1,
            content_hash="h", producer_step_run=1, output_name=output,
        )  # fmt: skip
        return StepManifest(step=name, status="completed", run_name="r", outputs={output: artifact})

    steps = [step("a", "ok", registered[0]), step("b", "bad", "os:system")]
    problems: list[str] = []
    steps = drop_untrusted_outputs(steps, accept, problems)
    assert steps[0].outputs and not steps[1].outputs
    assert problems == [
        "run r, step b: output 'bad' names materializer 'os:system', which no installed plugin "
        "registers and which is not part of this project; left out (install the plugin that "
        "provides it, then rebuild)"
    ]
