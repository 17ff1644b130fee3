"""Why a step runs: ``zenml pipeline plan`` before a run, and the reason every executed step
records, in words, one test per kind of reason. Every call is a fresh ``zenml`` process, as a
user's edit-and-rerun is."""

from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import run_zenml

from zenml_core.execution.explain import NO_BASELINE, differences, summarize, why_it_runs

HELPERS = """
    CONFIG = {"scale": 2}


    def scale(x):
        return x * CONFIG["scale"]
"""

STEPS = """
    import helpers
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step


    @step
    def load(rows: int = 3) -> list[int]:
        return list(range(rows))


    @step
    def transform(data: list[int], seed: int = 7) -> int:
        return sum(helpers.scale(x) for x in data) + seed


    @step(enable_cache=False)
    def report(total: int) -> str:
        return str(total)


    @pipeline
    def flow(rows: int = 3, seed: int = 7):
        report(transform(load(rows=rows), seed=seed))
"""


@pytest.fixture
def project(git_repo: Path) -> Path:
    (git_repo / "helpers.py").write_text(textwrap.dedent(HELPERS))
    (git_repo / "steps.py").write_text(textwrap.dedent(STEPS))
    assert run_zenml("init", cwd=git_repo).returncode == 0
    return git_repo


def zenml(project: Path, *args: str) -> str:
    # no bytecode cache: an edit within the same second and size would run the stale .pyc
    result = run_zenml(*args, cwd=project, env={"PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def plan(project: Path, *options: str) -> dict[str, dict[str, Any]]:
    shown = zenml(project, "pipeline", "plan", "steps.py:flow", *options, "--output", "json")
    planned = json.loads(shown)
    return {step["step"]: step for step in planned}


def run(project: Path, *options: str) -> dict[str, dict[str, Any]]:
    zenml(project, "pipeline", "run", "steps.py:flow", *options)
    shown = json.loads(zenml(project, "runs", "show", "latest", "--output", "json"))
    return {step["step"]: step for step in shown["steps"]}


def config(project: Path, **parameters: int) -> str:
    path = project / "run.yaml"
    path.write_text(json.dumps({"parameters": parameters}))
    return str(path)


def edit(project: Path, file: str, old: str, new: str) -> None:
    path = project / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_first_plan_runs_everything_for_want_of_an_earlier_run(project: Path) -> None:
    planned = plan(project)
    assert [planned[name]["action"] for name in ("load", "transform", "report")] == ["run"] * 3
    assert planned["load"]["reason"] == NO_BASELINE
    assert planned["transform"]["reason"] == "input 'data' comes from step 'load', which will run"
    steps = run(project)
    assert steps["load"]["reason"] == NO_BASELINE  # recorded with the step run


def test_an_unchanged_pipeline_is_reused_from_the_run_named(project: Path) -> None:
    first = run(project)
    assert first["load"]["status"] == "completed"
    run_name = json.loads(zenml(project, "runs", "show", "latest", "--output", "json"))["run"]
    planned = plan(project)
    assert planned["load"]["action"] == planned["transform"]["action"] == "reuse"
    assert planned["load"]["reason"] == f"unchanged since run {run_name}"
    assert planned["load"]["cached_from_run"] == run_name
    assert planned["report"] == {**planned["report"], "action": "run",
                                 "reason": "caching is off for this step"}  # fmt: skip
    again = run(project)
    assert {name: step["status"] for name, step in again.items()} == {
        "load": "cached", "transform": "cached", "report": "completed",
    }  # fmt: skip


def test_a_changed_parameter_is_named_with_both_values(project: Path) -> None:
    run(project)
    planned = plan(project, "--config", config(project, seed=8))
    assert planned["load"]["action"] == "reuse"
    assert planned["transform"]["action"] == "run"
    assert planned["transform"]["reason"].startswith("parameter 'seed' changed 7 -> 8 since run ")
    steps = run(project, "--config", config(project, seed=8))
    assert steps["transform"]["reason"] == planned["transform"]["reason"]


def test_a_changed_input_names_its_producer(project: Path) -> None:
    run(project)
    planned = plan(project, "--config", config(project, rows=4))
    assert planned["load"]["reason"].startswith("parameter 'rows' changed 3 -> 4")
    assert planned["transform"] == {**planned["transform"], "action": "run",
        "reason": "input 'data' comes from step 'load', which will run"}  # fmt: skip
    steps = run(project, "--config", config(project, rows=4))
    assert steps["transform"]["reason"].startswith(
        "input 'data' changed (from step 'load'): its content differs since run "
    )


def test_a_changed_function_is_named(project: Path) -> None:
    run(project)
    edit(project, "helpers.py", "return x * CONFIG", "return 1 + x * CONFIG")
    planned = plan(project)
    assert planned["load"]["action"] == "reuse"
    assert planned["transform"]["reason"].startswith("function helpers.scale changed since run ")
    assert run(project)["transform"]["reason"] == planned["transform"]["reason"]


def test_a_changed_constant_is_named(project: Path) -> None:
    run(project)
    edit(project, "helpers.py", '{"scale": 2}', '{"scale": 3}')
    planned = plan(project)
    assert planned["transform"]["reason"].startswith("constant helpers.CONFIG changed since run ")


def test_a_cached_result_whose_files_are_gone_is_not_reused_and_says_so(project: Path) -> None:
    from zenml_core.client import Client

    steps = run(project)
    uri = Client().artifact(steps["load"]["outputs"]["output"]).uri
    shutil.rmtree(uri)
    planned = plan(project)
    assert planned["load"]["action"] == "run"
    assert planned["load"]["reason"] == (
        f"cached output 'output' at {uri} cannot be used: its files are gone"
    )
    assert run(project)["load"]["reason"] == planned["load"]["reason"]


def test_a_pipeline_without_caching_says_so(project: Path) -> None:
    run(project)
    edit(project, "steps.py", "@pipeline\n", "@pipeline(enable_cache=False)\n")
    planned = plan(project)
    assert {step["reason"] for step in planned.values()} == {"caching is off for this step"}


def test_python_plan_matches_the_command(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    run(project)
    monkeypatch.syspath_prepend(str(project))
    import steps  # type: ignore[import-not-found]

    planned = {step.step: step for step in steps.flow.plan(seed=9)}
    assert planned["transform"].action == "run"
    assert planned["transform"].reason.startswith("parameter 'seed' changed 7 -> 9")


# -- the wording of parts that the scenarios above do not reach ---------------------------------


def _parts(**changes: Any) -> dict[str, Any]:
    parts: dict[str, Any] = {
        "version": "3",
        "framework": "0",
        "code": {"steps.train": "a"},
        "parameters": {"inputs": {"epochs": 3}, "object": {}},
        "inputs": {"data": "h1|m.Json"},
        "materializers": {"output": "json-1"},
    }
    parts.update(changes)
    return parts


def test_a_changed_materializer_is_named() -> None:
    found = differences(_parts(materializers={"output": "json-2"}), _parts())
    assert found == ["the materializer of output 'output' changed"]


def test_an_input_read_by_another_materializer_is_told_apart_from_changed_content() -> None:
    found = differences(_parts(inputs={"data": "h1|m.Pickle"}), _parts())
    assert found == ["input 'data' is read by another materializer (m.Pickle)"]


def test_an_upgraded_cache_recipe_is_named() -> None:
    assert differences(_parts(version="4"), _parts()) == [
        "the cache key's recipe changed (zenml-core was upgraded)"
    ]


def test_added_and_removed_code_and_parameters_are_named() -> None:
    now = _parts(
        code={"steps.train": "a", "helpers.new": "b"},
        parameters={"inputs": {"rate": 0.1}, "object": {}},
    )
    found = differences(now, _parts(), kinds={"helpers.new": "function"})
    assert found == [
        "parameter 'epochs' was removed (was 3)",
        "parameter 'rate' is new (0.1)",
        "it now reaches function helpers.new",
    ]


def test_many_changes_are_counted_beyond_the_first_few() -> None:
    changes = [f"change {index}" for index in range(7)]
    assert summarize(changes) == "change 0; change 1; change 2; change 3; and 3 more changes"


def test_no_baseline_and_a_baseline_without_parts_are_told_apart() -> None:
    import datetime

    from zenml_core.metadata_stores.records import StepRunRecord

    assert why_it_runs(_parts(), None) == NO_BASELINE
    skipped = StepRunRecord(
        id=1, run_id="r", name="train", status="skipped",
        started_at=datetime.datetime.now(datetime.timezone.utc), ended_at=None,
        cache_key=None, cached_from=None, parameters={}, error=None,
    )  # fmt: skip
    assert why_it_runs(_parts(), skipped, "flow-1") == (
        "run flow-1 recorded no cache key for it (it was skipped)"
    )
