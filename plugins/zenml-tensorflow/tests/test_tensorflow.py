"""The Keras trainer through SimplePipeline on the local stack, for real."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from zenml_tensorflow.trainer import TensorflowFeedForwardTrainer

from zenml_core.client import Client
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import SimplePipeline
from zenml_core.plugin.manager import create_plugin_manager
from zenml_core.repository import Repository
from zenml_core.steps.ml.evaluation import ClassificationEvaluator
from zenml_core.steps.ml.importers import PackageDatasetImporter
from zenml_core.steps.ml.preprocessing import StandardScalerStep
from zenml_core.steps.ml.split import SplitStep


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Repository:
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    monkeypatch.chdir(root)
    return Repository.initialize(root, plugins=create_plugin_manager())[0]


def pipeline() -> SimplePipeline:
    return SimplePipeline(
        importer=PackageDatasetImporter({"loader": "sklearn.datasets:load_breast_cancer"}),
        splitter=SplitStep({"stratify": "target", "seed": 1}),
        preprocessor=StandardScalerStep(),
        trainer=TensorflowFeedForwardTrainer(
            {"hidden_layers": [16, 8], "dropout": 0.1, "epochs": 25, "seed": 3}
        ),
        evaluator=ClassificationEvaluator(),
        name="keras_breast_cancer",
    )


def test_train_evaluate_reload_and_predict(repo: Repository) -> None:
    plugins = create_plugin_manager()
    run = pipeline().run(plugins=plugins, reporter=Reporter(io.StringIO()))
    metrics = run.steps["evaluate"].output.load()
    assert metrics["accuracy"] >= 0.9
    epochs = run.steps["train"].metadata["epochs"]
    assert len(epochs) == 25 and {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(epochs[0])
    assert epochs[-1]["loss"] < epochs[0]["loss"]
    series = run.steps["train"].metadata["metric_series"]  # log_metric per epoch, for reports
    assert series["loss"] == [[index, epoch["loss"]] for index, epoch in enumerate(epochs)]
    assert run.steps["train"].metadata["val_accuracy"] == epochs[-1]["val_accuracy"]
    assert run.metadata["evaluate"] == metrics

    trained = run.steps["train"].output
    assert trained.record.materializer.startswith("zenml_tensorflow.materializer:KerasModel")
    model = Client(repo, plugins=plugins).artifact(trained.id).load()  # from the store, fresh
    test = run.steps["preprocess"].outputs["test"].load()
    features = test.drop(columns=["target"]).to_numpy(dtype="float32")
    predicted = (model.predict(features, verbose=0).ravel() > 0.5).astype(int)
    assert round(float(np.mean(predicted == test["target"].to_numpy())), 4) == metrics["accuracy"]

    again = pipeline().run(plugins=plugins, reporter=Reporter(io.StringIO()))
    assert {s.status for s in again.steps.values()} == {"cached"}


def test_the_plugin_registers_without_importing_tensorflow() -> None:
    code = (
        "import sys\n"
        "from zenml_core.plugin.manager import create_plugin_manager\n"
        "r = create_plugin_manager().registry\n"
        "assert 'TensorflowFeedForwardTrainer' in [s.name for s in r.step_classes]\n"
        "assert 'keras:Model' in [m.type for m in r.materializers]\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False False"


def test_the_tensorflow_example_runs(tmp_path: Path) -> None:
    import json
    import shutil

    example = Path(__file__).parents[3] / "examples" / "tensorflow" / "pipeline.py"
    root = tmp_path / "example"
    root.mkdir()
    shutil.copy(example, root)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    zenml = Path(sys.executable).with_name("zenml")
    subprocess.run([str(zenml), "init"], cwd=root, check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "pipeline.py"], cwd=root, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("metrics: "))
    assert json.loads(line.removeprefix("metrics: "))["accuracy"] >= 0.9
