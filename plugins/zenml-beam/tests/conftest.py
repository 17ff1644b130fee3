"""Stacks whose processing backend is the Beam DirectRunner (multi-processing, two workers)."""

from __future__ import annotations

from typing import Any

from attrs import evolve
from zenml_beam.backend import BeamProcessingBackend, BeamProcessingBackendConfig

from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack


def beam_stack(project: Repository, plugins: Any, **settings: Any) -> Any:
    backend = BeamProcessingBackend(
        name="beam", config=BeamProcessingBackendConfig(**settings), flavor="beam"
    )
    return evolve(load_stack(project, plugins=plugins, environ={}), processing_backend=backend)
