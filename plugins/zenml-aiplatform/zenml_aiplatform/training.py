"""The ``vertex`` training backend: a step handed to it runs as a Vertex AI CustomJob.

The job runs the step image (zenml-docker's builder, pushed to ``registry``) with
``python3 -m zenml_aiplatform.entrypoint ... --on-training-backend`` (secrets as Secret
Manager references, read inside the job); the pipeline waits for the job and goes on.
Outputs land in the stack's artifact store like any step's. When the metadata store cannot
be reached from the job (a local SQLite file) the step records via its manifest, imported
when the job has ended. With ``replica_count`` > 1 the first replica (the chief) runs and
records the step; the others run its code with ``--compute-only``.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from zenml_aiplatform.config import VertexStepSettings, VertexTrainingBackendConfig
from zenml_aiplatform.vertex import connect, job_state, resource_id, wait_for
from zenml_core.backends.base import BaseTrainingBackend
from zenml_core.config.converter import structure
from zenml_core.config.environment import STEP_IMAGE_ENV
from zenml_core.errors import one_line
from zenml_core.execution.context import StepStatus
from zenml_core.orchestrators.external import outcome_from_record
from zenml_core.orchestrators.remote import import_step_manifests

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome
    from zenml_core.stack.stack import Stack

ENTRYPOINT = "zenml_aiplatform.entrypoint"


class VertexTrainingBackend(BaseTrainingBackend[VertexTrainingBackendConfig]):
    """Runs steps as Vertex AI CustomJobs on the configured machines and accelerators."""

    def worker_pool_specs(
        self, context: RunContext, step_name: str, image: str, python_path: list[str]
    ) -> list[dict[str, Any]]:
        """The job's worker pools: the chief replica runs the step, extra replicas compute."""
        from zenml_aiplatform.secrets import reference_environment
        from zenml_core.execution.invocation import StepInvocation
        from zenml_core.stack.builder import stack_document

        stack: Stack = context.stack
        step_settings = structure(
            context.spec.step(step_name).settings.extra.get("vertex", {}),
            VertexStepSettings,
            source=f"step {step_name!r}: settings['vertex']",
        )
        machine_spec: dict[str, Any] = {
            "machine_type": step_settings.machine_type or self.config.machine_type
        }
        accelerator = step_settings.accelerator_type or self.config.accelerator_type
        if accelerator:
            machine_spec["accelerator_type"] = accelerator
            machine_spec["accelerator_count"] = (
                step_settings.accelerator_count or self.config.accelerator_count or 1
            )
        invocation = StepInvocation(
            run_id=context.run_id,
            run_name=context.run_name,
            step=step_name,
            spec=context.spec.to_json(),
            stack=json.dumps(stack_document(stack, context.plugins.registry)),
            inline=True,
            python_path=tuple(python_path),
            record_via_manifest=not stack.metadata_store.reachable_elsewhere(),
            on_training_backend=True,
        )
        arguments = invocation.argv()
        environment = {STEP_IMAGE_ENV: image, **reference_environment(self.config, stack)}
        container = {
            "image_uri": image,
            "command": ["python3", "-m", ENTRYPOINT],
            "args": arguments,
            "env": [{"name": k, "value": v} for k, v in environment.items()],
        }
        pools = [{"machine_spec": machine_spec, "replica_count": 1, "container_spec": container}]
        replicas = step_settings.replica_count or self.config.replica_count
        if replicas > 1:
            workers = {**container, "args": [*arguments, "--compute-only"]}
            pools.append(
                {
                    "machine_spec": machine_spec,
                    "replica_count": replicas - 1,
                    "container_spec": workers,
                }
            )
        return pools

    def run_step(self, context: RunContext, step_name: str) -> StepOutcome:
        started = time.perf_counter()
        from zenml_docker.image import build_step_image, project_python_path

        image, _ = build_step_image(
            self.config, context.stack, context.plugins, self.root, registry=self.config.registry
        )
        python_path = project_python_path(self.root)
        pools = self.worker_pool_specs(context, step_name, image, python_path)
        aiplatform = connect(self.config)
        try:
            job = aiplatform.CustomJob(
                display_name=resource_id(f"{context.run_name}-{step_name}"),
                worker_pool_specs=pools,
                base_output_dir=f"{self.config.staging_bucket.rstrip('/')}/{context.run_id}/{step_name}",
                labels=dict(self.config.labels),
                encryption_spec_key_name=self.config.encryption_key,
                staging_bucket=self.config.staging_bucket,
            )
            job.submit(
                service_account=self.config.service_account,
                network=self.config.network,
                timeout=self.config.timeout,
            )
        except Exception as exc:  # the API's answer, whatever its type
            return self._fail(
                context, step_name, started,
                f"submitting the Vertex AI custom job failed: {one_line(exc)}",
            )  # fmt: skip
        name = job.resource_name
        context.reporter.step(step_name, f"running as Vertex AI custom job {name}")
        state = wait_for(
            lambda: job_state(aiplatform.CustomJob.get(name), "the Vertex AI custom job"),
            timeout=self.config.timeout,
            poll_seconds=self.config.poll_seconds,
        )
        if state is None:
            job.cancel()
            return self._fail(
                context, step_name, started,
                f"the Vertex AI custom job {name} still ran after {self.config.timeout} s; "
                "it was cancelled (raise the backend's timeout)",
            )  # fmt: skip
        import_step_manifests(context)  # a no-op when the job recorded into our store
        if state.failed:
            return self._fail(context, step_name, started, state.error or state.state)
        metadata = context.stack.metadata_store
        if not any(s.name == step_name for s in metadata.list_step_runs(context.run_id)):
            return self._fail(
                context, step_name, started,
                f"the Vertex AI custom job {name} ended {state.state} but the step recorded "
                "nothing (no step manifest in the artifact store); see the job's logs",
            )  # fmt: skip
        return outcome_from_record(context, step_name, 0, [], time.perf_counter() - started)

    def _fail(self, context: RunContext, step_name: str, started: float, error: str) -> StepOutcome:
        """Record the step failed with ``error`` unless the job recorded its own failure."""
        metadata = context.stack.metadata_store
        record = next(
            (s for s in metadata.list_step_runs(context.run_id) if s.name == step_name), None
        )
        if record is None:
            metadata.fail_step(metadata.start_step(context.run_id, step_name, {}, None), error)
        elif record.status != StepStatus.FAILED:
            metadata.fail_step(record.id, error)
        outcome = outcome_from_record(context, step_name, 0, [], time.perf_counter() - started)
        context.reporter.step(step_name, f"failed: {error}")
        return outcome
