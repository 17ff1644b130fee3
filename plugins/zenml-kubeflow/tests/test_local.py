"""Compiled pipelines run for real with kfp.local.DockerRunner: the conformance suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_IMAGE
from zenml_kubeflow.config import KubeflowOrchestratorConfig
from zenml_kubeflow.orchestrator import KubeflowOrchestrator

from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack
from zenml_core.stack.stack import Stack
from zenml_core.testing.conformance import OrchestratorConformance


class TestKubeflowLocal(OrchestratorConformance):
    """kfp.local runs one task at a time, so the parallel-branches test does not apply."""

    parallel_steps = False

    @pytest.fixture
    def orchestrator_stack(
        self, zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
    ) -> Stack:
        local = load_stack(zenml_project, plugins=zenml_plugins, environ={})
        config = KubeflowOrchestratorConfig(
            local=True, base_image=BASE_IMAGE, wheelhouse=str(wheelhouse), network="none"
        )
        orchestrator = KubeflowOrchestrator(
            name="kfp", config=config, root=zenml_project.root, flavor="kubeflow"
        )
        return Stack(
            name="kubeflow",
            artifact_store=local.artifact_store,
            metadata_store=local.metadata_store,
            orchestrator=orchestrator,
        )
