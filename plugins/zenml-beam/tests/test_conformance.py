"""zenml-beam passes the processing backend conformance suite on the real DirectRunner."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import beam_stack

from zenml_core.repository import Repository
from zenml_core.testing.conformance import ProcessingBackendConformance


class TestBeamDirectRunner(ProcessingBackendConformance):
    @pytest.fixture
    def processing_stack(self, zenml_project: Repository, zenml_plugins: Any) -> Any:
        return beam_stack(zenml_project, zenml_plugins, workers=2)
