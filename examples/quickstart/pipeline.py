"""Quickstart: load a dataset that ships with scikit-learn, split it, train, evaluate.

Run it from a zenml repository (``git init && zenml init``)::

    python pipeline.py                      # or: zenml pipeline run pipeline.py:quickstart

Run it twice: the second run reuses every step from the cache.
"""

from __future__ import annotations

import json
from typing import NamedTuple

import pandas as pd
from materializers import SklearnModelMaterializer
from sklearn.pipeline import Pipeline

from zenml_core.pipelines import pipeline
from zenml_core.steps import step


@step
def load_data() -> pd.DataFrame:
    """The Wisconsin breast-cancer data set (569 rows, 30 features), bundled with scikit-learn."""
    from sklearn.datasets import load_breast_cancer

    return load_breast_cancer(as_frame=True).frame


class Split(NamedTuple):
    train: pd.DataFrame
    test: pd.DataFrame


@step
def split(data: pd.DataFrame, test_fraction: float = 0.25, seed: int = 42) -> Split:
    """A stratified train/test split with a fixed seed."""
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(
        data, test_size=test_fraction, random_state=seed, stratify=data["target"]
    )
    return Split(train, test)


@step(materializers={"output": SklearnModelMaterializer})
def train(data: pd.DataFrame, regularization: float = 1.0) -> Pipeline:
    """Standard scaling and logistic regression."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(C=regularization, max_iter=1000))
    return model.fit(data.drop(columns="target"), data["target"])


@step
def evaluate(model: Pipeline, data: pd.DataFrame) -> dict[str, float]:
    """Accuracy, precision, recall and F1 on held-out data."""
    from sklearn import metrics

    truth = data["target"]
    predicted = model.predict(data.drop(columns="target"))
    return {
        "accuracy": round(float(metrics.accuracy_score(truth, predicted)), 4),
        "precision": round(float(metrics.precision_score(truth, predicted)), 4),
        "recall": round(float(metrics.recall_score(truth, predicted)), 4),
        "f1": round(float(metrics.f1_score(truth, predicted)), 4),
    }


@pipeline
def quickstart(regularization: float = 1.0):
    parts = split(load_data())
    model = train(parts.train, regularization=regularization)
    evaluate(model, parts.test)


if __name__ == "__main__":
    run = quickstart()
    print(f"\nmetrics: {json.dumps(run.steps['evaluate'].output.load())}")
    print(f"recorded as run {run.name}; see it with: zenml runs show {run.name}")
