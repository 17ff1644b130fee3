"""The README's example runs as written on the real engine (its base image and wheelhouse set
through the usual ``ZENML_ORCHESTRATOR__*`` overrides, since this machine has no registry)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import REPOSITORY, zenml
from zenml_docker.testing import BASE_IMAGE

from zenml_core.testing.doc_blocks import run_document, scratch_repository


def test_the_readme_runs_as_written(tmp_path: Path, docker_client: Any, wheelhouse: Path) -> None:
    root = scratch_repository(tmp_path / "project")
    overrides = {
        "ZENML_ORCHESTRATOR__BASE_IMAGE": BASE_IMAGE,
        "ZENML_ORCHESTRATOR__WHEELHOUSE": str(wheelhouse),
    }
    readme = REPOSITORY / "plugins" / "zenml-docker" / "README.md"
    left_out = run_document(readme, root, root=REPOSITORY, available={"docker": overrides})
    assert left_out == []
    shown = zenml("runs", "show", "latest", cwd=root).stdout
    assert "status: completed" in shown and "train" in shown
