"""The quickstart's pipeline with a Keras feed-forward network (needs zenml-tensorflow).

    pip install ./plugins/zenml-tensorflow     # TensorFlow comes with it
    python pipeline.py

Every epoch's training and validation metrics are logged with the train step.
"""

from __future__ import annotations

import json

from zenml_tensorflow.trainer import TensorflowFeedForwardTrainer

from zenml_core.pipelines import SimplePipeline
from zenml_core.steps.ml.evaluation import ClassificationEvaluator
from zenml_core.steps.ml.importers import PackageDatasetImporter
from zenml_core.steps.ml.preprocessing import StandardScalerStep
from zenml_core.steps.ml.split import SplitStep

keras_pipeline = SimplePipeline(
    importer=PackageDatasetImporter({"loader": "sklearn.datasets:load_breast_cancer"}),
    splitter=SplitStep({"stratify": "target"}),
    preprocessor=StandardScalerStep(),
    trainer=TensorflowFeedForwardTrainer(
        {"hidden_layers": [32, 16], "dropout": 0.1, "epochs": 30, "learning_rate": 0.005}
    ),
    evaluator=ClassificationEvaluator(),
    name="keras_breast_cancer",
)


if __name__ == "__main__":
    run = keras_pipeline()
    last = run.steps["train"].metadata["epochs"][-1]
    print(f"\nlast epoch: {json.dumps(last)}")
    print(f"metrics: {json.dumps(run.steps['evaluate'].output.load())}")
    print(f"recorded as run {run.name}; see it with: zenml runs show {run.name}")
