"""The README's example runs as written: a step's shards transformed by a Beam pipeline."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from zenml_core.testing.doc_blocks import run_document

REPOSITORY = Path(__file__).parents[3]


def test_the_readme_runs_as_written(tmp_path: Path) -> None:
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    zenml = str(Path(sys.executable).with_name("zenml"))
    subprocess.run([zenml, "init"], cwd=root, check=True, capture_output=True)
    readme = REPOSITORY / "plugins" / "zenml-beam" / "README.md"
    assert run_document(readme, root, root=REPOSITORY, available={"beam": {}}) == []
    shown = subprocess.run(
        [zenml, "runs", "show", "latest", "--output", "json"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert '"status": "completed"' in shown
