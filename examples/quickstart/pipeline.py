"""Quickstart: a SimplePipeline on a data set that ships with scikit-learn.

importer -> split -> preprocess -> train -> evaluate, wired by ``SimplePipeline``; the trainer
is a ``TrainerStep`` subclass with its own parameters. Run it from a zenml repository
(``git init && zenml init``)::

    python pipeline.py                      # or: zenml pipeline run pipeline.py:quickstart

Run it twice: the second run reuses every step from the cache.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

import pandas as pd
from attrs import frozen
from materializers import SklearnModelMaterializer

from zenml_core.pipelines import SimplePipeline
from zenml_core.steps.ml.evaluation import ClassificationEvaluator
from zenml_core.steps.ml.importers import PackageDatasetImporter
from zenml_core.steps.ml.preprocessing import StandardScalerStep
from zenml_core.steps.ml.split import SplitStep
from zenml_core.steps.ml.training import TrainerParameters, TrainerStep


@frozen
class LogisticRegressionParameters(TrainerParameters):
    regularization: float = 1.0
    max_iterations: int = 1000


class LogisticRegressionTrainer(TrainerStep):
    """scikit-learn's logistic regression on the (already scaled) features."""

    PARAMETERS: ClassVar[type | None] = LogisticRegressionParameters

    def train(self, train: pd.DataFrame, eval: pd.DataFrame) -> Any:
        from sklearn.linear_model import LogisticRegression

        features, label = self.features_and_label(train)
        model = LogisticRegression(
            C=self.parameters.regularization, max_iter=self.parameters.max_iterations
        )
        return model.fit(features, label)


quickstart = SimplePipeline(
    # The Wisconsin breast-cancer data set (569 rows, 30 features), bundled with scikit-learn.
    importer=PackageDatasetImporter({"loader": "sklearn.datasets:load_breast_cancer"}),
    splitter=SplitStep({"train": 0.7, "eval": 0.1, "test": 0.2, "stratify": "target"}),
    preprocessor=StandardScalerStep(),
    trainer=LogisticRegressionTrainer(materializers={"output": SklearnModelMaterializer}),
    evaluator=ClassificationEvaluator(),
    name="quickstart",
)


if __name__ == "__main__":
    run = quickstart()
    print(f"\nmetrics: {json.dumps(run.steps['evaluate'].output.load())}")
    print(f"recorded as run {run.name}; see it with: zenml runs show {run.name}")
