"""The README's example runs as written: a pipeline whose step transforms shards on Dask."""

from __future__ import annotations

from pathlib import Path

from zenml_core.testing.doc_blocks import run_document, scratch_repository, zenml_output

REPOSITORY = Path(__file__).parents[3]


def test_the_readme_runs_as_written(tmp_path: Path) -> None:
    root = scratch_repository(tmp_path / "project")
    readme = REPOSITORY / "plugins" / "zenml-dask" / "README.md"
    assert run_document(readme, root, root=REPOSITORY, available={"dask": {}}) == []
    shown = zenml_output("runs", "show", "latest", "--output", "json", cwd=root)
    assert '"status": "completed"' in shown
    described = zenml_output("stack", "describe", cwd=root)
    assert "dask" in described
