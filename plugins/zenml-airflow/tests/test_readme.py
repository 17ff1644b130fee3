"""The README's example runs as written, on Airflow itself."""

from __future__ import annotations

from pathlib import Path

from zenml_core.testing.doc_blocks import run_document, scratch_repository, zenml_output

REPOSITORY = Path(__file__).resolve().parents[3]


def test_the_readme_runs_as_written(tmp_path: Path, airflow_command: str) -> None:
    root = scratch_repository(tmp_path / "project")
    overrides = {"ZENML_ORCHESTRATOR__AIRFLOW_HOME": str(tmp_path / "airflow-home")}
    readme = REPOSITORY / "plugins" / "zenml-airflow" / "README.md"
    left_out = run_document(readme, root, root=REPOSITORY, available={"airflow": overrides})
    assert [block.skip for block in left_out] == ["needs an Airflow server"]
    assert (root / ".zen" / "airflow" / "dags" / "zenml_training.py").exists()
    shown = zenml_output("runs", "show", "latest", cwd=root)
    assert "status: completed" in shown
