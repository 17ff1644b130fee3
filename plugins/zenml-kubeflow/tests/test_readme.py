"""The README's example runs as written: compiled, then run by kfp.local on the real engine (the
base image and wheelhouse set through the usual ``ZENML_ORCHESTRATOR__*`` overrides)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from conftest import BASE_IMAGE, REPOSITORY

from zenml_core.testing.doc_blocks import run_document


def test_the_readme_runs_as_written(tmp_path: Path, docker_client: Any, wheelhouse: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    zenml = str(Path(sys.executable).with_name("zenml"))
    subprocess.run([zenml, "init"], cwd=root, check=True, capture_output=True)
    overrides = {
        "ZENML_ORCHESTRATOR__BASE_IMAGE": BASE_IMAGE,
        "ZENML_ORCHESTRATOR__WHEELHOUSE": str(wheelhouse),
    }
    readme = REPOSITORY / "plugins" / "zenml-kubeflow" / "README.md"
    assert run_document(readme, root, root=REPOSITORY, available={"kubeflow": overrides}) == []
    compiled = yaml.safe_load((root / "training.yaml").read_text())
    assert sorted(compiled["deploymentSpec"]["executors"]) == ["exec-prepare", "exec-train"]
    shown = subprocess.run(
        [zenml, "runs", "show", "latest"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "status: completed" in shown
    listed = subprocess.run(
        [zenml, "orchestrator", "describe", "cluster"], cwd=root, capture_output=True, text=True
    )
    assert "kfp.example.com" in listed.stdout, listed.stderr
