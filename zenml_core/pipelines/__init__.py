"""Pipelines: the ``@pipeline`` decorator, the captured DAG (``PipelineSpec``) and runs."""

from zenml_core.pipelines.pipeline import Pipeline, pipeline

__all__ = ["Pipeline", "pipeline"]
