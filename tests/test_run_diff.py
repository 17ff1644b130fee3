"""``zenml runs diff A B`` and ``Client().diff``: what changed between two recorded runs."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from conftest import run_zenml

STEPS = """
    import helpers
    from zenml_core import log_metadata, pipeline, step


    @step
    def load(rows: int = 3) -> list[int]:
        return list(range(rows))


    @step
    def train(data: list[int], epochs: int = 3) -> float:
        accuracy = helpers.score(data, epochs)
        log_metadata(metadata={"accuracy": accuracy, "optimizer": "sgd"})
        return accuracy


    @pipeline
    def flow(rows: int = 3, epochs: int = 3):
        train(load(rows=rows), epochs=epochs)
"""

HELPERS = """
    def score(data, epochs):
        return round(0.5 + 0.1 * epochs, 2)
"""


@pytest.fixture
def project(git_repo: Path) -> Path:
    (git_repo / "steps.py").write_text(textwrap.dedent(STEPS))
    (git_repo / "helpers.py").write_text(textwrap.dedent(HELPERS))
    (git_repo / "run.yaml").write_text(json.dumps({"parameters": {"epochs": 4}}))
    assert run_zenml("init", cwd=git_repo).returncode == 0
    return git_repo


def zenml(project: Path, *args: str) -> str:
    result = run_zenml(*args, cwd=project, env={"PYTHONDONTWRITEBYTECODE": "1"})
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_changed_parameter_shows_in_the_run_and_its_step_with_metric_deltas(
    project: Path,
) -> None:
    zenml(project, "pipeline", "run", "steps.py:flow")
    zenml(project, "pipeline", "run", "steps.py:flow", "--config", "run.yaml")
    diff = json.loads(zenml(project, "runs", "diff", "latest~1", "latest", "--output", "json"))
    assert [p for p in diff["parameters"] if not p["same"]] == [
        {"name": "epochs", "a": 3, "b": 4, "same": False, "delta": 1.0}
    ]
    steps = {step["step"]: step for step in diff["steps"]}
    assert steps["load"]["status"]["a"] == "completed"
    assert steps["load"]["status"]["b"] == "cached"
    assert steps["load"]["outputs"] == {"output": "same"}
    train = steps["train"]
    assert train["status"]["same"] and train["code_changed"] == []
    assert [(c["name"], c["a"], c["b"]) for c in train["parameters"]] == [("epochs", 3, 4)]
    assert train["inputs"] == {"data": "same"} and train["outputs"] == {"output": "different"}
    metadata = {change["name"]: change for change in train["metadata"]}
    assert metadata["accuracy"]["a"] == 0.8 and metadata["accuracy"]["b"] == 0.9
    assert metadata["accuracy"]["delta"] == pytest.approx(0.1)
    assert metadata["optimizer"] == {"name": "optimizer", "a": "sgd", "b": "sgd", "same": True,
                                     "delta": None}  # fmt: skip

    table = zenml(project, "runs", "diff", "latest~1", "latest")
    assert "epochs" in table and "+1" in table
    assert "completed -> cached" in table  # load
    assert "train.accuracy" in table and "+0.1" in table
    assert "train.optimizer" not in table  # the same in both: shown with --all only
    assert "train.optimizer" in zenml(project, "runs", "diff", "latest~1", "latest", "--all")


def test_changed_code_is_named_by_function_and_the_git_state_is_compared(project: Path) -> None:
    zenml(project, "pipeline", "run", "steps.py:flow")
    helpers = project / "helpers.py"
    helpers.write_text(helpers.read_text().replace("0.5 +", "0.4 +"))
    zenml(project, "pipeline", "run", "steps.py:flow")
    diff = json.loads(zenml(project, "runs", "diff", "latest~1", "latest", "--output", "json"))
    steps = {step["step"]: step for step in diff["steps"]}
    assert steps["train"]["code_changed"] == ["helpers.score"]
    assert steps["load"]["code_changed"] == [] and steps["load"]["same"] is False  # now cached
    git = {change["name"]: change for change in diff["git"]}
    assert set(git) == {"git_commit", "git_dirty"}
    assert "helpers.score" in zenml(project, "runs", "diff", "latest~1", "latest")


def test_a_run_compared_with_itself_has_no_differences(project: Path) -> None:
    zenml(project, "pipeline", "run", "steps.py:flow")
    table = zenml(project, "runs", "diff", "latest", "latest")
    assert "The runs' pipeline, parameters, git and stack match." in table
    assert "Every step has the same status, code and data." in table


def test_the_python_diff_is_the_command_s(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from zenml_core.client import Client

    zenml(project, "pipeline", "run", "steps.py:flow")
    zenml(project, "pipeline", "run", "steps.py:flow", "--config", "run.yaml")
    client = Client()
    diff = client.diff("latest~1", client.run("latest"))
    assert diff.to_dict() == json.loads(
        zenml(project, "runs", "diff", "latest~1", "latest", "--output", "json")
    )
    assert diff.steps[1].metadata[0].delta == pytest.approx(0.1)


def test_an_unknown_run_is_one_line(project: Path) -> None:
    zenml(project, "pipeline", "run", "steps.py:flow")
    result = run_zenml("runs", "diff", "latest", "nope", cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "nope" in result.stderr
