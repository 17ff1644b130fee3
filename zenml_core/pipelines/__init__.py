"""Pipelines: the ``@pipeline`` decorator, the captured DAG (``PipelineSpec``) and runs."""

from zenml_core.pipelines.pipeline import Pipeline, pipeline
from zenml_core.pipelines.simple import SimplePipeline

__all__ = ["Pipeline", "SimplePipeline", "pipeline"]
