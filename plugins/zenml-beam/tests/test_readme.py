"""The README's example runs as written: a step's shards transformed by a Beam pipeline, and
the Dataflow stack registered (nothing is contacted)."""

from __future__ import annotations

from pathlib import Path

from zenml_core.testing.doc_blocks import run_document, scratch_repository, zenml_output

REPOSITORY = Path(__file__).parents[3]


def test_the_readme_runs_as_written(tmp_path: Path) -> None:
    root = scratch_repository(tmp_path / "project")
    readme = REPOSITORY / "plugins" / "zenml-beam" / "README.md"
    assert run_document(readme, root, root=REPOSITORY, available={"beam": {}}) == []
    shown = zenml_output("runs", "show", "latest", "--output", "json", cwd=root)
    assert '"status": "completed"' in shown
    described = zenml_output("stack", "describe", cwd=root)  # the Dataflow stack, registered
    assert "dataflow" in described and "europe-west4" in described
