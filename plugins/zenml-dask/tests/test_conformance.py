"""zenml-dask passes the processing backend conformance suite, on a running scheduler and on
a local cluster started for each step."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import dask_stack
from zenml_dask.backend import DaskProcessingBackendConfig

from zenml_core.repository import Repository
from zenml_core.testing.conformance import ProcessingBackendConformance


class TestDaskScheduler(ProcessingBackendConformance):
    @pytest.fixture
    def processing_stack(
        self, zenml_project: Repository, zenml_plugins: Any, dask_scheduler: str
    ) -> Any:
        return dask_stack(
            zenml_project, zenml_plugins, DaskProcessingBackendConfig(address=dask_scheduler)
        )


class TestDaskLocalCluster(ProcessingBackendConformance):
    @pytest.fixture
    def processing_stack(self, zenml_project: Repository, zenml_plugins: Any) -> Any:
        return dask_stack(zenml_project, zenml_plugins, DaskProcessingBackendConfig(workers=2))
