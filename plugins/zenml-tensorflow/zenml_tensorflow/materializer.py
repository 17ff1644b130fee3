"""Keras models in Keras' native ``.keras`` format (architecture, weights, optimizer state)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zenml_core.materializers.base import BaseMaterializer


class KerasModelMaterializer(BaseMaterializer):
    def save(self, value: Any, folder: Path) -> None:
        value.save(folder / "model.keras")

    def load(self, folder: Path, data_type: type) -> Any:
        import keras

        return keras.models.load_model(folder / "model.keras")
