"""The README's example runs as written: compiled, then run by kfp.local on the real engine (the
base image and wheelhouse set through the usual ``ZENML_ORCHESTRATOR__*`` overrides)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from conftest import BASE_IMAGE, REPOSITORY

from zenml_core.testing.doc_blocks import run_document, scratch_repository, zenml_output


def test_the_readme_runs_as_written(tmp_path: Path, docker_client: Any, wheelhouse: Path) -> None:
    root = scratch_repository(tmp_path / "project")
    overrides = {
        "ZENML_ORCHESTRATOR__BASE_IMAGE": BASE_IMAGE,
        "ZENML_ORCHESTRATOR__WHEELHOUSE": str(wheelhouse),
    }
    readme = REPOSITORY / "plugins" / "zenml-kubeflow" / "README.md"
    assert run_document(readme, root, root=REPOSITORY, available={"kubeflow": overrides}) == []
    compiled = yaml.safe_load((root / "training.yaml").read_text())
    assert sorted(compiled["deploymentSpec"]["executors"]) == ["exec-prepare", "exec-train"]
    shown = zenml_output("runs", "show", "latest", cwd=root)
    assert "status: completed" in shown
    listed = zenml_output("orchestrator", "describe", "cluster", cwd=root)
    assert "kfp.example.com" in listed
