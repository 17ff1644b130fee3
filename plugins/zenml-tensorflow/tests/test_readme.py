"""The README's SimplePipeline with the Keras trainer trains as written."""

from __future__ import annotations

from pathlib import Path

from zenml_core.testing.doc_blocks import run_document, scratch_repository, zenml_output

REPOSITORY = Path(__file__).parents[3]


def test_the_readme_trains_as_written(tmp_path: Path) -> None:
    root = scratch_repository(tmp_path / "project")
    readme = REPOSITORY / "plugins" / "zenml-tensorflow" / "README.md"
    assert run_document(readme, root, root=REPOSITORY, available={"tensorflow": {}}) == []
    shown = zenml_output("runs", "show", "latest", cwd=root)
    assert "status: completed" in shown and "train" in shown
