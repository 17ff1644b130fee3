"""``EvaluatorStep``: a model and held-out data in, metrics out (as an artifact and metadata)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from attrs import frozen

from zenml_core.steps.base import BaseStep
from zenml_core.steps.context import log_metadata


@frozen
class EvaluatorParameters:
    label: str = "target"


class EvaluatorStep(BaseStep):
    """Override ``evaluate``; the metrics are returned and logged as the step's metadata."""

    PARAMETERS: ClassVar[type | None] = EvaluatorParameters

    def entrypoint(self, model: Any, test: pd.DataFrame) -> dict[str, float]:
        metrics = self.evaluate(model, test)
        log_metadata(metadata=metrics)
        return metrics

    def evaluate(self, model: Any, test: pd.DataFrame) -> dict[str, float]:
        raise NotImplementedError(f"{type(self).__name__} must implement evaluate()")


def predicted_labels(model: Any, features: np.ndarray) -> np.ndarray:
    """Labels from ``model.predict``: probabilities of one class are cut at 0.5, scores of
    several classes give the best one."""
    predictions = np.asarray(model.predict(features))
    if predictions.ndim == 2 and predictions.shape[1] > 1:
        best: np.ndarray = predictions.argmax(axis=1)
        return best
    predictions = predictions.reshape(-1)
    if predictions.dtype.kind == "f" and predictions.min() >= 0 and predictions.max() <= 1:
        return (predictions > 0.5).astype(int)
    return predictions


class ClassificationEvaluator(EvaluatorStep):
    """Accuracy, and precision, recall and F1 of the positive class (label 1) when binary."""

    def evaluate(self, model: Any, test: pd.DataFrame) -> dict[str, float]:
        truth = test[self.parameters.label].to_numpy()
        features = test.drop(columns=[self.parameters.label]).to_numpy(dtype="float32")
        predicted = predicted_labels(model, features)
        metrics = {"accuracy": float(np.mean(predicted == truth))}
        if set(np.unique(truth)) <= {0, 1}:
            true_positive = float(np.sum((predicted == 1) & (truth == 1)))
            precision = true_positive / max(float(np.sum(predicted == 1)), 1.0)
            recall = true_positive / max(float(np.sum(truth == 1)), 1.0)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            metrics.update(precision=precision, recall=recall, f1=f1)
        return {name: round(value, 4) for name, value in metrics.items()}
