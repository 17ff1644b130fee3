"""Steps: the typed units of work a pipeline wires together."""

from zenml_core.steps.base import BaseStep
from zenml_core.steps.context import log_metadata, log_metric, step_context
from zenml_core.steps.decorator import step

__all__ = ["BaseStep", "log_metadata", "log_metric", "step", "step_context"]
