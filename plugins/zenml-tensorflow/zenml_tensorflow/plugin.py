"""Entry point module: registers by import path, so listing never imports TensorFlow."""

from __future__ import annotations

from zenml_core.plugin import MaterializerRegistrar, StepClassRegistrar, hookimpl


@hookimpl
def zenml_register_step_classes(registry: StepClassRegistrar) -> None:
    registry.add(
        "TensorflowFeedForwardTrainer",
        implementation="zenml_tensorflow.trainer:TensorflowFeedForwardTrainer",
        description="A Keras feed-forward network for tabular data (TrainerStep).",
    )


@hookimpl
def zenml_register_materializers(registry: MaterializerRegistrar) -> None:
    registry.add("keras:Model", materializer="zenml_tensorflow.materializer:KerasModelMaterializer")
