"""``TensorflowFeedForwardTrainer``: a Keras feed-forward network on tabular data."""

from __future__ import annotations

from typing import Any, ClassVar

import pandas as pd
from attrs import field, frozen

from zenml_core.steps.context import log_metadata, log_metric
from zenml_core.steps.ml.training import TrainerParameters, TrainerStep


@frozen
class FeedForwardParameters(TrainerParameters):
    """The network and its training.

    ``hidden_layers``: units per hidden layer; the output layer follows from ``loss``
    (one sigmoid unit for ``binary_crossentropy``, one linear unit for regression losses,
    one softmax unit per class for ``sparse_categorical_crossentropy``).
    """

    hidden_layers: list[int] = field(factory=lambda: [32])
    activation: str = "relu"
    dropout: float = 0.0
    epochs: int = 20
    batch_size: int = 32
    learning_rate: float = 0.01
    loss: str = "binary_crossentropy"
    metrics: list[str] = field(factory=lambda: ["accuracy"])
    seed: int = 42


class TensorflowFeedForwardTrainer(TrainerStep):
    """Trains on the training part, validates on the eval part, logs every epoch's metrics."""

    PARAMETERS: ClassVar[type | None] = FeedForwardParameters

    def build(self, features: int, classes: int) -> Any:
        import keras

        p = self.parameters
        layers: list[Any] = [keras.Input(shape=(features,))]
        for units in p.hidden_layers:
            layers.append(keras.layers.Dense(units, activation=p.activation))
            if p.dropout:
                layers.append(keras.layers.Dropout(p.dropout))
        if p.loss == "binary_crossentropy":
            layers.append(keras.layers.Dense(1, activation="sigmoid"))
        elif p.loss == "sparse_categorical_crossentropy":
            layers.append(keras.layers.Dense(classes, activation="softmax"))
        else:
            layers.append(keras.layers.Dense(1))
        model = keras.Sequential(layers)
        model.compile(
            optimizer=keras.optimizers.Adam(learning_rate=p.learning_rate),
            loss=p.loss,
            metrics=list(p.metrics),
        )
        return model

    def train(self, train: pd.DataFrame, eval: pd.DataFrame) -> Any:
        import keras

        p = self.parameters
        keras.utils.set_random_seed(p.seed)
        features, labels = self.features_and_label(train)
        eval_features, eval_labels = self.features_and_label(eval)
        model = self.build(features.shape[1], int(labels.max()) + 1)
        history = model.fit(
            features,
            labels,
            validation_data=(eval_features, eval_labels) if len(eval) else None,
            epochs=p.epochs,
            batch_size=p.batch_size,
            shuffle=True,
            verbose=0,
        )
        epochs = [
            {name: round(float(values[index]), 5) for name, values in history.history.items()}
            for index in range(len(history.epoch))
        ]
        log_metadata(epochs=epochs)
        for index, values in enumerate(epochs):  # drawn per epoch by run reports
            for name, value in values.items():
                log_metric(name, value, step=index)
        return model
