"""The quickstart example really trains and evaluates, and a second run is all cached."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import run_zenml

EXAMPLE = Path(__file__).parents[1] / "examples" / "quickstart"
STEPS = ("importer", "split", "preprocess", "train", "evaluate")


def test_quickstart_trains_evaluates_and_caches(git_repo: Path) -> None:
    for source in EXAMPLE.glob("*.py"):
        shutil.copy(source, git_repo)
    assert run_zenml("init", cwd=git_repo).returncode == 0

    def run() -> str:
        result = subprocess.run(
            [sys.executable, "pipeline.py"], cwd=git_repo, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert "Warning" not in result.stderr  # the model has its own materializer, no pickle
        return result.stdout

    first = run()
    metrics_line = next(line for line in first.splitlines() if line.startswith("metrics: "))
    metrics = json.loads(metrics_line.removeprefix("metrics: "))
    assert metrics["accuracy"] >= 0.9
    for step in STEPS:
        assert f"[{step}] started" in first
    second = run()
    for step in STEPS:
        assert f"[{step}] cached" in second
    assert metrics_line in second

    # The model's materializer is the project's own (materializers.py at the root).
    shown = run_zenml("artifacts", "show", "latest/train", "--value", cwd=git_repo)
    assert shown.returncode == 0, shown.stderr
    assert "materializer: materializers:SklearnModelMaterializer" in shown.stdout
    assert "value: |\n  sklearn.linear_model._logistic.LogisticRegression: LogisticRegression(" in (
        shown.stdout
    )
    split = run_zenml("artifacts", "show", "latest/split/test", "--value", cwd=git_repo)
    assert "[114 rows x 31 columns (first 10)]" in split.stdout, split.stderr
