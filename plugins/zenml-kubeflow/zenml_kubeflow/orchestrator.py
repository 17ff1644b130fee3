"""The ``kubeflow`` orchestrator: compile the pipeline to Kubeflow Pipelines IR and run it.

With ``local: true`` the compiled YAML runs on this machine with ``kfp.local.DockerRunner``
(the step image is built locally with zenml-docker's builder; nothing is pulled). The step
containers record into the stack's metadata store themselves (a SQLite store and the local
artifact store are bind-mounted at the same paths), and the orchestrator reads back how each
step ended.

Otherwise the YAML is submitted to a KFP API server with ``kfp.Client`` (the image pushed to
``registry`` first). The KFP run id is recorded with the run; with ``wait`` off the run is
followed through :meth:`KubeflowOrchestrator.remote_state` when runs are read.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_core.errors import ZenMLError, one_line
from zenml_core.orchestrators.base import BaseOrchestrator
from zenml_core.orchestrators.external import run_folder
from zenml_core.orchestrators.remote import RemoteState, Submitted, outcomes_after_remote_run
from zenml_kubeflow.compiler import RUN_ID, RUN_NAME, compile_for_stack
from zenml_kubeflow.config import KubeflowOrchestratorConfig

if TYPE_CHECKING:
    from zenml_core.execution.context import RunContext, StepOutcome
    from zenml_core.metadata_stores.records import RunRecord
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack


class KubeflowOrchestratorError(ZenMLError):
    """The pipeline cannot be compiled or run on Kubeflow Pipelines as configured."""


class KubeflowOrchestrator(BaseOrchestrator[KubeflowOrchestratorConfig]):
    """Compiles with the kfp SDK; runs locally with DockerRunner or submits with kfp.Client."""

    def compile(self, stack: Stack, plugins: PluginManager, spec: PipelineSpec) -> tuple[str, str]:
        """Build the step image (and push it to ``registry``) and compile ``spec``; returns
        (image, YAML)."""
        remote = not self.config.local
        return compile_for_stack(
            spec, stack, plugins, self.config, self.root, remote=remote,
            registry=self.config.registry if remote else None,
            kubernetes_secret=self.config.secret,
        )  # fmt: skip

    def _write_pipeline(self, context: RunContext) -> Path:
        _, yaml_text = self.compile(context.stack, context.plugins, context.spec)
        folder = run_folder(context)
        (folder / "pipeline.yaml").write_text(yaml_text, encoding="utf-8")
        return folder

    def run(self, context: RunContext) -> dict[str, StepOutcome] | Submitted:
        if self.config.local:
            return self._run_locally(context)
        if self.config.host:
            return self._submit(context)
        raise KubeflowOrchestratorError(
            f"orchestrator {self.name!r} has neither a KFP API server (host=...) nor local=true; "
            f"set one: `zenml orchestrator delete {self.name}` and register it again"
        )

    def _client(self) -> Any:
        import kfp

        return kfp.Client(host=self.config.host, namespace=self.config.namespace)

    def _run_page(self, run_id: str) -> str:
        return f"{self.config.host}/#/runs/details/{run_id}"

    def _submit(self, context: RunContext) -> dict[str, StepOutcome] | Submitted:
        """Create a run from the compiled package in the experiment; wait for its end unless
        ``wait`` is off."""
        folder = self._write_pipeline(context)
        started = time.perf_counter()
        try:
            client = self._client()
            submitted = client.create_run_from_pipeline_package(
                str(folder / "pipeline.yaml"),
                arguments={RUN_ID: context.run_id, RUN_NAME: context.run_name},
                run_name=context.run_name,
                experiment_name=self.config.experiment,
                namespace=self.config.namespace,
                enable_caching=False,
            )
        except Exception as exc:  # the API server's answer, whatever its type
            raise KubeflowOrchestratorError(
                f"submitting to the KFP API server at {self.config.host} failed: {one_line(exc)}"
            ) from exc
        # Recorded at once: should this process die while waiting, reading the run follows it.
        context.stack.metadata_store.set_orchestrator_run_id(context.run_id, submitted.run_id)
        if not self.config.wait:
            return Submitted(submitted.run_id, self._run_page(submitted.run_id))
        context.reporter.line(
            f"submitted to {self.config.host} as KFP run {submitted.run_id} "
            f"(experiment {self.config.experiment!r}); waiting for it to end"
        )
        try:
            remote = client.wait_for_run_completion(submitted.run_id, timeout=self.config.timeout)
        except TimeoutError:
            context.reporter.line(
                f"still running after {self.config.timeout} s; the KFP run goes on and "
                "`zenml runs show` follows it"
            )
            return Submitted(submitted.run_id, self._run_page(submitted.run_id))
        state = _state(remote)
        return outcomes_after_remote_run(
            context,
            time.perf_counter() - started,
            error=state.error if state.failed else None,
            not_reached=f"not run: KFP run {submitted.run_id} ended {state.state}",
        )

    def remote_state(self, run: RunRecord) -> RemoteState | None:
        """The KFP run's state; an unreachable server leaves the run as it is."""
        if not self.config.host or not run.orchestrator_run_id:
            return None
        try:
            return _state(self._client().get_run(run.orchestrator_run_id))
        except Exception as exc:  # the API server's answer, whatever its type
            return RemoteState(f"unknown: {self.config.host} did not answer ({one_line(exc)})")

    def _run_locally(self, context: RunContext) -> dict[str, StepOutcome]:
        import docker
        from kfp import components, local
        from zenml_docker.image import store_mounts

        from zenml_core.stack.builder import secret_environment

        folder = self._write_pipeline(context)
        mounts = [  # DockerRunner reserves `volumes` for the pipeline root
            docker.types.Mount(target=bind["bind"], source=host, type="bind")
            for host, bind in store_mounts(context.stack).items()
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
        return outcomes_after_remote_run(  # the step containers recorded themselves
            context,
            time.perf_counter() - started,
            error=None,
            not_reached="not reached: kfp.local stops the pipeline at the first failed task",
        )


# KFP v2 run states that are final, and whether they are a failure.
_FINAL_STATES = {"SUCCEEDED": False, "FAILED": True, "CANCELED": True, "SKIPPED": True}


def _state(run: Any) -> RemoteState:
    state = str(getattr(run, "state", None) or "UNKNOWN")
    error = getattr(getattr(run, "error", None), "message", None)
    failed = _FINAL_STATES.get(state, False)
    return RemoteState(
        state,
        ended=state in _FINAL_STATES,
        failed=failed,
        error=(f"KFP run {run.run_id} ended {state}" + (f": {error}" if error else ""))
        if failed
        else None,
    )
