"""The ``kubeflow`` orchestrator: compile the pipeline to Kubeflow Pipelines IR and run it.

With ``local: true`` the compiled YAML runs on this machine with ``kfp.local.DockerRunner``
(the step image is built locally with zenml-docker's builder; nothing is pulled). The step
containers record into the stack's metadata store themselves (a SQLite store and the local
artifact store are bind-mounted at the same paths), and the orchestrator reads back how each
step ended.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_docker.config import DockerOrchestratorConfig
from zenml_docker.orchestrator import DockerOrchestrator

from zenml_core.errors import ZenMLError
from zenml_core.metadata_stores.records import StepStatus
from zenml_core.orchestrators.base import BaseOrchestrator
from zenml_core.orchestrators.external import outcome_from_record, run_folder
from zenml_core.orchestrators.step_runner import RunContext, StepOutcome
from zenml_kubeflow.compiler import RUN_ID, RUN_NAME
from zenml_kubeflow.config import KubeflowOrchestratorConfig

if TYPE_CHECKING:
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack


class KubeflowOrchestratorError(ZenMLError):
    """The pipeline cannot be compiled or run on Kubeflow Pipelines as configured."""


class KubeflowOrchestrator(BaseOrchestrator[KubeflowOrchestratorConfig]):
    """Compiles with the kfp SDK; runs locally with DockerRunner."""

    def _images(self) -> DockerOrchestrator:
        """zenml-docker's orchestrator, used for its image recipe and mounts."""
        config = DockerOrchestratorConfig(
            base_image=self.config.base_image,
            requirements=list(self.config.requirements),
            requirements_file=self.config.requirements_file,
            wheelhouse=self.config.wheelhouse,
            network=self.config.network,
        )
        return DockerOrchestrator(name=self.name, config=config, root=self.root, flavor="docker")

    def compile(self, stack: Stack, plugins: PluginManager, spec: Any) -> tuple[str, str]:
        """Build the step image and compile ``spec``; returns (image tag, YAML)."""
        import docker
        from zenml_docker.image import ensure_image

        from zenml_core.stack.builder import stack_document
        from zenml_kubeflow.compiler import compile_to_yaml

        images = self._images()
        image, _ = ensure_image(docker.from_env(), images.recipe_for(stack, plugins))
        yaml_text = compile_to_yaml(
            spec,
            image=image,
            stack_document=stack_document(stack, plugins.registry),
            python_path=images.python_path(),
        )
        return image, yaml_text

    def _write_pipeline(self, context: RunContext) -> Path:
        _, yaml_text = self.compile(context.stack, context.plugins, context.spec)
        folder = run_folder(context)
        (folder / "pipeline.yaml").write_text(yaml_text, encoding="utf-8")
        return folder

    def run(self, context: RunContext) -> dict[str, StepOutcome]:
        if self.config.local:
            return self._run_locally(context)
        if self.config.host:
            return self._submit(context)
        raise KubeflowOrchestratorError(
            f"orchestrator {self.name!r} has neither a KFP API server (host=...) nor local=true; "
            f"set one: `zenml orchestrator delete {self.name}` and register it again"
        )

    def _submit(self, context: RunContext) -> dict[str, StepOutcome]:
        """Create a run from the compiled package in the experiment, and wait for its end."""
        import kfp

        folder = self._write_pipeline(context)
        started = time.perf_counter()
        try:
            client = kfp.Client(host=self.config.host, namespace=self.config.namespace)
            submitted = client.create_run_from_pipeline_package(
                str(folder / "pipeline.yaml"),
                arguments={RUN_ID: context.run_id, RUN_NAME: context.run_name},
                run_name=context.run_name,
                experiment_name=self.config.experiment,
                namespace=self.config.namespace,
                enable_caching=False,
            )
        except Exception as exc:  # the API server's answer, whatever its type
            summary = " ".join(str(exc).split())[:300]
            raise KubeflowOrchestratorError(
                f"submitting to the KFP API server at {self.config.host} failed: {summary}"
            ) from exc
        context.reporter.line(
            f"submitted to {self.config.host} as KFP run {submitted.run_id} "
            f"(experiment {self.config.experiment!r}); waiting for it to end"
        )
        remote = client.wait_for_run_completion(submitted.run_id, timeout=self.config.timeout)
        state = str(getattr(remote, "state", "UNKNOWN"))
        if state != "SUCCEEDED":
            detail = getattr(getattr(remote, "error", None), "message", None)
            raise KubeflowOrchestratorError(
                f"KFP run {submitted.run_id} ended {state}"
                + (f": {detail}" if detail else "")
                + f"; see {self.config.host}/#/runs/details/{submitted.run_id}"
            )
        return self._outcomes(context, time.perf_counter() - started)

    def _run_locally(self, context: RunContext) -> dict[str, StepOutcome]:
        from kfp import components, local

        from zenml_core.stack.builder import secret_environment

        folder = self._write_pipeline(context)
        import docker

        images = self._images()
        mounts = [  # DockerRunner reserves `volumes` for the pipeline root
            docker.types.Mount(target=bind["bind"], source=host, type="bind")
            for host, bind in images.mounts(context).items()
        ]
        options: dict[str, Any] = {
            "mounts": mounts,
            "user": f"{os.getuid()}:{os.getgid()}",
            "environment": secret_environment(context.stack),
        }
        if self.config.network:
            options["network_mode"] = self.config.network
        started = time.perf_counter()
        local.init(
            runner=local.DockerRunner(**options),
            pipeline_root=str(folder / "kfp"),
            raise_on_error=False,
        )
        pipeline = components.load_component_from_file(str(folder / "pipeline.yaml"))
        pipeline(zenml_run_id=context.run_id, zenml_run_name=context.run_name)
        return self._outcomes(context, time.perf_counter() - started)

    def _outcomes(self, context: RunContext, seconds: float) -> dict[str, StepOutcome]:
        """How each step ended, from the record. kfp.local stops at the first failed task, so
        steps that never started are recorded as skipped, saying why."""
        metadata = context.stack.metadata_store
        recorded = {s.name for s in metadata.list_step_runs(context.run_id)}
        outcomes: dict[str, StepOutcome] = {}
        for step in context.spec.steps:
            if step.name in recorded:
                outcomes[step.name] = outcome_from_record(context, step.name, 0, [], seconds)
                continue
            stopped = [
                u for u in step.upstream
                if outcomes[u].status in (StepStatus.FAILED, StepStatus.SKIPPED)
            ]  # fmt: skip
            if stopped:
                reason = f"upstream step {stopped[0]!r} did not complete"
            else:
                reason = "not reached: kfp.local stops the pipeline at the first failed task"
            step_run_id = metadata.skip_step(context.run_id, step.name, reason)
            outcomes[step.name] = StepOutcome(
                step.name, StepStatus.SKIPPED, step_run_id, 0.0, error=reason
            )
        return outcomes
