"""Compiled pipelines run for real with kfp.local.DockerRunner: the conformance suite."""

from __future__ import annotations

import contextlib
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


def test_a_pipeline_parameter_set_when_the_yaml_is_submitted_changes_the_run(
    zenml_project: Repository, zenml_plugins: Any, docker_client: Any, wheelhouse: Path
) -> None:
    """The compiled YAML, submitted as a user would with another value of a runtime input
    (here to kfp.local): the steps that take the parameter run with the submitted value."""
    import io
    import os

    import docker
    from kfp import components, local
    from zenml_docker.image import store_mounts
    from zenml_kubeflow.compiler import compile_for_stack

    from zenml_core.client import Client
    from zenml_core.execution.lifecycle import open_run
    from zenml_core.testing import pipelines

    config = KubeflowOrchestratorConfig(
        local=True, base_image=BASE_IMAGE, wheelhouse=str(wheelhouse), network="none"
    )
    stack = local_stack_with(zenml_project, zenml_plugins, KubeflowOrchestrator(
        name="kfp", config=config, root=zenml_project.root, flavor="kubeflow"
    ))  # fmt: skip
    spec = pipelines.linear.compile(plugins=zenml_plugins, count=6)
    _, yaml_text = compile_for_stack(
        spec, stack, zenml_plugins, config, zenml_project.root, remote=False
    )
    (zenml_project.root / "linear.yaml").write_text(yaml_text, encoding="utf-8")
    record = open_run(spec, stack, None)  # what the orchestrator records before it submits
    mounts = [
        docker.types.Mount(target=bind["bind"], source=host, type="bind")
        for host, bind in store_mounts(stack).items()
    ]
    local.init(
        runner=local.DockerRunner(mounts=mounts, user=f"{os.getuid()}:{os.getgid()}"),
        pipeline_root=str(zenml_project.root / "kfp"),
    )
    submitted = components.load_component_from_file(str(zenml_project.root / "linear.yaml"))
    with contextlib.redirect_stdout(io.StringIO()):
        submitted(zenml_run_id=record.id, zenml_run_name=record.name, count=2)
    steps = Client(stack=stack, plugins=zenml_plugins).run(record.id).steps
    assert steps["numbers"].record.parameters == {"count": 2}
    assert steps["numbers"].output.load() == [0, 1]
