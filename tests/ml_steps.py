"""Step classes and pipelines used by the ML step tests (module level, as users write them)."""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd
from attrs import frozen

from zenml_core.pipelines import SimplePipeline, pipeline
from zenml_core.steps import log_metadata, step
from zenml_core.steps.ml.evaluation import ClassificationEvaluator
from zenml_core.steps.ml.importers import PackageDatasetImporter
from zenml_core.steps.ml.preprocessing import StandardScalerStep
from zenml_core.steps.ml.split import Split, SplitStep
from zenml_core.steps.ml.training import TrainerParameters, TrainerStep
from zenml_core.testing import calls

TRAINED = calls.CALLS  # regularizations trained with; written through calls.record


@frozen
class LogisticParameters(TrainerParameters):
    regularization: float = 1.0


class LogisticTrainer(TrainerStep):
    PARAMETERS: ClassVar[type | None] = LogisticParameters

    def train(self, train: pd.DataFrame, eval: pd.DataFrame) -> Any:
        from sklearn.linear_model import LogisticRegression

        calls.record(self.parameters.regularization)
        features, label = self.features_and_label(train)
        model = LogisticRegression(C=self.parameters.regularization, max_iter=1000)
        model.fit(features, label)
        log_metadata(train_rows=len(train))
        return model


class HeadTailSplit(SplitStep):
    """A user's own split logic: first rows train, last rows test."""

    def split(self, data: pd.DataFrame) -> Split:
        return Split(data.iloc[:400], data.iloc[400:480], data.iloc[480:])


def breast_cancer(regularization: float = 1.0, splitter: SplitStep | None = None) -> SimplePipeline:
    return SimplePipeline(
        importer=PackageDatasetImporter({"loader": "sklearn.datasets:load_breast_cancer"}),
        splitter=splitter or SplitStep({"stratify": "target", "seed": 7}),
        preprocessor=StandardScalerStep(),
        trainer=LogisticTrainer({"regularization": regularization}),
        evaluator=ClassificationEvaluator(),
        name="breast_cancer",
    )


@step
def drop_column(data: pd.DataFrame, column: str = "mean radius") -> pd.DataFrame:
    return data.drop(columns=[column])


@pipeline
def mixed():
    """Function and class steps in one pipeline."""
    data = drop_column(PackageDatasetImporter({"loader": "sklearn.datasets:load_breast_cancer"})())
    parts = SplitStep({"stratify": "target"})(data)
    model = LogisticTrainer()(parts.train, parts.eval)
    ClassificationEvaluator()(model, parts.test)
