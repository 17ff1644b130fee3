"""The README's set-up registers a Google Cloud stack as written (nothing is contacted)."""

from __future__ import annotations

from pathlib import Path

from conftest import REPOSITORY

from zenml_core.testing.doc_blocks import run_document, scratch_repository, zenml_output


def test_the_readme_registers_the_stack_as_written(tmp_path: Path) -> None:
    root = scratch_repository(tmp_path / "project")
    readme = REPOSITORY / "plugins" / "zenml-aiplatform" / "README.md"
    assert run_document(readme, root, root=REPOSITORY, available={"aiplatform": {}}) == []
    described = zenml_output("stack", "describe", cwd=root)
    assert "gs://my-bucket/zenml" in described and "a2-highgpu-1g" in described
