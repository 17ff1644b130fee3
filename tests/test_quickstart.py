"""The quickstart example really trains and evaluates, and a second run is all cached."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
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


def _environment_without_installs(folder: Path) -> Path:
    """A VENV for scripts/quickstart: this interpreter (pip calls succeed without installing
    anything into the test environment) and this zenml."""
    bin_folder = folder / "bin"
    bin_folder.mkdir(parents=True)
    python = bin_folder / "python"
    python.write_text(f'#!/bin/sh\n[ "$1 $2" = "-m pip" ] && exit 0\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    (bin_folder / "zenml").symlink_to(Path(sys.executable).with_name("zenml"))
    return folder


@pytest.mark.parametrize("keep", [False, True])
def test_the_quickstart_script_leaves_no_scratch_repository_unless_kept(
    tmp_path: Path, keep: bool
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ZENML_")},
        "VENV": str(_environment_without_installs(tmp_path / "venv")),
        "TMPDIR": str(scratch),
    }
    script = Path(__file__).parents[1] / "scripts" / "quickstart"
    arguments = ["--keep"] if keep else []
    result = subprocess.run(
        [str(script), *arguments], env=environment, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every step comes from the cache" in result.stdout
    left = list(scratch.iterdir())
    if keep:
        (project,) = left
        assert f"Kept the scratch repository: {project}" in result.stdout
        assert (project / ".zen" / "metadata.db").is_file()
    else:
        assert left == []
    wrong = subprocess.run([str(script), "--kep"], env=environment, capture_output=True, text=True)
    assert wrong.returncode == 2 and "usage: scripts/quickstart [--keep]" in wrong.stderr
