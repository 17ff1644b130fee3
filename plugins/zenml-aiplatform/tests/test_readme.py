"""The README's set-up registers a Google Cloud stack as written (nothing is contacted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import REPOSITORY

from zenml_core.testing.doc_blocks import run_document


def test_the_readme_registers_the_stack_as_written(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    zenml = str(Path(sys.executable).with_name("zenml"))
    subprocess.run([zenml, "init"], cwd=root, check=True, capture_output=True)
    readme = REPOSITORY / "plugins" / "zenml-aiplatform" / "README.md"
    assert run_document(readme, root, root=REPOSITORY, available={"aiplatform": {}}) == []
    described = subprocess.run(
        [zenml, "stack", "describe"], cwd=root, capture_output=True, text=True, check=True
    ).stdout
    assert "gs://my-bucket/zenml" in described and "a2-highgpu-1g" in described
