"""The ``vertex`` orchestrator: the pipeline compiled by zenml-kubeflow, run as a Vertex AI
PipelineJob.

The step image is built (and pushed to ``registry``) and the YAML compiled by zenml-kubeflow's
compiler, so both run the same tasks; here they run ``zenml_aiplatform.entrypoint``, which
reads the stack's secrets from Secret Manager first. The job's resource name is recorded with
the run; with ``wait`` off, or once ``timeout`` passes, the run is followed through
:meth:`VertexOrchestrator.remote_state` whenever runs are read.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from zenml_aiplatform.config import VertexOrchestratorConfig
from zenml_aiplatform.vertex import VertexError, connect, job_state, resource_id, wait_for
from zenml_core.errors import one_line
from zenml_core.orchestrators.base import BaseOrchestrator
from zenml_core.orchestrators.remote import RemoteState, Submitted, outcomes_after_remote_run

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome
    from zenml_core.metadata_stores.records import RunRecord
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack


class VertexOrchestrator(BaseOrchestrator[VertexOrchestratorConfig]):
    """Submits the compiled pipeline as a Vertex AI PipelineJob and follows it."""

    def compile(self, stack: Stack, plugins: PluginManager, spec: PipelineSpec) -> tuple[str, str]:
        """Build and push the step image and compile ``spec`` for Vertex AI: zenml-kubeflow's
        tasks, running ``zenml_aiplatform.entrypoint`` with the secrets as references."""
        from zenml_kubeflow.compiler import compile_for_stack

        from zenml_aiplatform.secrets import reference_environment

        return compile_for_stack(
            spec, stack, plugins, self.config, self.root, remote=True,
            registry=self.config.registry, environment=reference_environment(self.config, stack),
            entrypoint="zenml_aiplatform.entrypoint", with_secrets=False,
        )  # fmt: skip

    def run(self, context: RunContext) -> dict[str, StepOutcome] | Submitted:
        from zenml_kubeflow.compiler import RUN_ID, RUN_NAME

        if not self.config.pipeline_root.startswith("gs://"):
            raise VertexError(
                f"orchestrator {self.name!r}: pipeline_root {self.config.pipeline_root!r} is not "
                "a gs:// URL; Vertex AI keeps pipeline files in Cloud Storage"
            )
        _, yaml_text = self.compile(context.stack, context.plugins, context.spec)
        aiplatform = connect(self.config)
        started = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="zenml-vertex-") as folder:
            template = Path(folder) / "pipeline.yaml"
            template.write_text(yaml_text, encoding="utf-8")
            try:
                job = aiplatform.PipelineJob(
                    display_name=context.run_name,
                    template_path=str(template),
                    job_id=resource_id(context.run_name),
                    pipeline_root=self.config.pipeline_root,
                    parameter_values={RUN_ID: context.run_id, RUN_NAME: context.run_name},
                    enable_caching=False,
                    encryption_spec_key_name=self.config.encryption_key,
                    labels=dict(self.config.labels),
                )
                job.submit(service_account=self.config.service_account, network=self.config.network)
            except Exception as exc:  # the API's answer, whatever its type
                raise VertexError(
                    f"submitting the pipeline job to Vertex AI ({self.config.project}, "
                    f"{self.config.location}) failed: {one_line(exc)}"
                ) from exc
        name = job.resource_name
        # Recorded at once: should this process die while waiting, reading the run follows it.
        context.stack.metadata_store.set_orchestrator_run_id(context.run_id, name)
        where = (
            f"https://console.cloud.google.com/vertex-ai/locations/{self.config.location}"
            f"/pipelines/runs/{name.rsplit('/', 1)[1]}?project={self.config.project}"
        )
        if not self.config.wait:
            return Submitted(name, where)
        context.reporter.line(f"submitted as Vertex AI pipeline job {name}; waiting for it to end")
        state = wait_for(
            lambda: self._state(name),
            timeout=self.config.timeout,
            poll_seconds=self.config.poll_seconds,
        )
        if state is None:
            context.reporter.line(
                f"still running after {self.config.timeout} s; the job goes on and is followed"
            )
            return Submitted(name, where)
        return outcomes_after_remote_run(
            context,
            time.perf_counter() - started,
            error=state.error,
            not_reached=f"not run: the pipeline job ended {state.state}",
        )

    def _state(self, resource_name: str) -> RemoteState:
        aiplatform = connect(self.config)
        return job_state(aiplatform.PipelineJob.get(resource_name), "the Vertex AI pipeline job")

    def remote_state(self, run: RunRecord) -> RemoteState | None:
        """The pipeline job's state; an unreachable API leaves the run as it is."""
        if not run.orchestrator_run_id:
            return None
        try:
            return self._state(run.orchestrator_run_id)
        except Exception as exc:  # the API's answer, whatever its type
            return RemoteState(f"unknown: Vertex AI did not answer ({one_line(exc)})")
