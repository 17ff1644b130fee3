"""``TrainerStep``: training and eval parts in, a model out."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from attrs import frozen

from zenml_core.steps.base import BaseStep


@frozen
class TrainerParameters:
    """``label``: the column to predict. Trainers extend this class with their own fields."""

    label: str = "target"


class TrainerStep(BaseStep):
    """Override ``train``. A training backend may run it elsewhere (e.g. a Vertex job)."""

    PARAMETERS: ClassVar[type | None] = TrainerParameters
    USES_TRAINING_BACKEND: ClassVar[bool] = True
    RESOURCES: ClassVar[str | None] = "cpu"

    def entrypoint(self, train: pd.DataFrame, eval: pd.DataFrame) -> Any:
        return self.train(train, eval)

    def train(self, train: pd.DataFrame, eval: pd.DataFrame) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement train()")

    def features_and_label(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` as float32 features and the label column."""
        label = self.parameters.label
        features = frame.drop(columns=[label]).to_numpy(dtype="float32")
        return features, frame[label].to_numpy()
