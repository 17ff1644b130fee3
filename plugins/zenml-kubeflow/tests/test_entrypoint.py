"""``python -m zenml_kubeflow.entrypoint``: the step, then KFP's executor protocol."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from zenml_core.plugin.manager import create_plugin_manager
from zenml_core.testing.external import new_project, record_external_run
from zenml_core.testing.pipelines import linear


def test_the_kubeflow_executor_protocol(tmp_path: Path) -> None:
    """With --executor-input, the step's output URIs go to the executor output file."""
    plugins = create_plugin_manager()
    repo = new_project(tmp_path / "project", plugins)
    stack, _, run_id = record_external_run(repo, plugins, linear, "kfp")
    output_file = repo.root / "kfp" / "numbers" / "executor_output.json"
    executor_input = {
        "inputs": {"parameterValues": {"run_id": run_id}},
        "outputs": {
            "parameters": {"zenml_outputs": {"outputFile": str(output_file.parent / "outs")}},
            "outputFile": str(output_file),
        },
    }
    result = subprocess.run(
        [sys.executable, "-m", "zenml_kubeflow.entrypoint", "--run-id", run_id, "--run-name",
         "kfp", "--step", "numbers", "--spec", "spec.json", "--stack", "stack.json",
         "--executor-input", json.dumps(executor_input)],
        cwd=repo.root, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    written = json.loads(output_file.read_text())
    uris = json.loads(written["parameterValues"]["zenml_outputs"])
    recorded = stack.metadata_store.step_outputs(run_id, "numbers")
    assert uris == {"output": recorded["output"].uri}
