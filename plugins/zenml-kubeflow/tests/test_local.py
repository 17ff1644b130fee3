"""Compiled pipelines run for real with kfp.local.DockerRunner: the conformance suite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import BASE_IMAGE
from zenml_kubeflow.config import KubeflowOrchestratorConfig
from zenml_kubeflow.orchestrator import KubeflowOrchestrator

from zenml_core.repository import Repository
from zenml_core.stack.stack import Stack
from zenml_core.testing.conformance import OrchestratorConformance, local_stack_with


class TestKubeflowLocal(OrchestratorConformance):
    """kfp.local runs one task at a time, so the parallel-branches test does not apply; and
    it stops at the first failed task, so an independent branch may not be reached."""

    parallel_steps = False

    def test_a_failing_step_fails_the_run_skips_dependants_and_spares_the_rest(
        self, orchestrator_stack: Any, zenml_plugins: Any
    ) -> None:
        from zenml_core.errors import PipelineRunFailedError
        from zenml_core.testing import pipelines

        with pytest.raises(PipelineRunFailedError, match="conformance: this step fails"):
            self.run(pipelines.failing, orchestrator_stack, zenml_plugins)
        (run,) = orchestrator_stack.metadata_store.list_runs(limit=1)
        steps = {s.name: s for s in orchestrator_stack.metadata_store.list_step_runs(run.id)}
        assert run.status == "failed"
        assert (steps["numbers"].status, steps["fail"].status) == ("completed", "failed")
        assert steps["double"].status == "skipped"
        for name in ("add", "total"):  # completed, or never reached after the failure
            if steps[name].status == "skipped":
                assert "not reached" in steps[name].error or "did not complete" in steps[name].error
            else:
                assert steps[name].status == "completed"

    @pytest.fixture
    def orchestrator_stack(
        self, zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
    ) -> Stack:
        config = KubeflowOrchestratorConfig(
            local=True, base_image=BASE_IMAGE, wheelhouse=str(wheelhouse), network="none"
        )
        orchestrator = KubeflowOrchestrator(
            name="kfp", config=config, root=zenml_project.root, flavor="kubeflow"
        )
        return local_stack_with(zenml_project, zenml_plugins, orchestrator)


def test_with_neither_a_server_nor_local_mode_the_run_fails_saying_why(
    zenml_project: Repository, zenml_plugins: Any
) -> None:
    import io

    from zenml_kubeflow.orchestrator import KubeflowOrchestratorError

    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.testing.pipelines import linear

    orchestrator = KubeflowOrchestrator(
        name="kfp", config=KubeflowOrchestratorConfig(), root=zenml_project.root, flavor="kubeflow"
    )
    stack = local_stack_with(zenml_project, zenml_plugins, orchestrator)
    with pytest.raises(
        KubeflowOrchestratorError, match=r"neither a KFP API server \(host=...\) nor local=true"
    ):
        linear.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    (run,) = stack.metadata_store.list_runs()
    assert run.status == "failed"  # recorded, never left running
