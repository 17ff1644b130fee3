"""zenml-core: the microkernel of a pluggable MLOps pipeline framework.

``from zenml_core import step, pipeline, Client, log_metadata, step_context`` gives a pipeline
author what they need. Importing this package stays cheap on purpose (see ``benchmarks/``):
only the pluggy markers are loaded here; the names below are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from zenml_core.plugin import hookimpl
from zenml_core.version import __version__

if TYPE_CHECKING:
    from zenml_core.client import Client
    from zenml_core.dataset import Dataset
    from zenml_core.pipelines import Pipeline, SimplePipeline, pipeline
    from zenml_core.pipelines.builder import unmapped
    from zenml_core.pipelines.external import ExternalArtifact
    from zenml_core.steps import BaseStep, log_metadata, log_metric, step, step_context

# name -> the module that defines it, imported when the name is first used
_LAZY = {
    "BaseStep": "zenml_core.steps",
    "Client": "zenml_core.client",
    "Dataset": "zenml_core.dataset",
    "ExternalArtifact": "zenml_core.pipelines.external",
    "Pipeline": "zenml_core.pipelines",
    "SimplePipeline": "zenml_core.pipelines",
    "log_metadata": "zenml_core.steps",
    "log_metric": "zenml_core.steps",
    "pipeline": "zenml_core.pipelines",
    "step": "zenml_core.steps",
    "step_context": "zenml_core.steps",
    "unmapped": "zenml_core.pipelines.builder",
}

__all__ = [
    "BaseStep", "Client", "Dataset", "ExternalArtifact", "Pipeline", "SimplePipeline",
    "__version__", "hookimpl", "log_metadata", "log_metric", "pipeline", "step", "step_context",
    "unmapped",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'zenml_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value
