"""Translate a ``PipelineSpec`` into Kubeflow Pipelines IR YAML with the kfp compiler.

One container task per step, all on the step image, each running
``python3 -m zenml_core.entrypoint`` with the spec and the stack document inline (the YAML
needs nothing else to run) and KFP's executor input (``{{$}}``), so it writes the executor
output file: the task's output parameter ``zenml_outputs`` holds the step's output URIs.
Task dependencies mirror the DAG; KFP's own cache is off, zenml's decides.
"""

# No `from __future__ import annotations` here: kfp reads the component's annotations.
import json
import tempfile
from pathlib import Path
from typing import Any

from zenml_core.config.converter import structure
from zenml_core.pipelines.spec import PipelineSpec
from zenml_kubeflow.config import KubeflowStepSettings

RUN_ID = "zenml_run_id"
RUN_NAME = "zenml_run_name"


def _component(task_name: str, image: str, fixed_args: list[str]) -> Any:
    from kfp import dsl

    @dsl.container_component  # type: ignore[untyped-decorator]
    def zenml_step(zenml_run_id: str, zenml_run_name: str, zenml_outputs: dsl.OutputPath(str)):  # type: ignore[no-untyped-def, valid-type]
        return dsl.ContainerSpec(
            image=image,
            command=["python3", "-m", "zenml_core.entrypoint"],
            args=[
                "--run-id", zenml_run_id, "--run-name", zenml_run_name, *fixed_args,
                "--executor-input", "{{$}}",
            ],
        )  # fmt: skip

    zenml_step.component_spec.name = task_name
    return zenml_step


def build_pipeline(
    spec: PipelineSpec,
    *,
    image: str,
    stack_document: dict[str, Any],
    python_path: list[str],
    record_via_manifest: bool = False,
) -> Any:
    """A kfp pipeline function for ``spec`` (compile it, or run it with ``kfp.local``)."""
    from kfp import dsl

    spec_json = spec.to_json()
    stack_json = json.dumps(stack_document, sort_keys=True)
    components = {}
    for step in spec.steps:
        arguments = ["--step", step.name, "--spec-json", spec_json, "--stack-json", stack_json]
        for folder in python_path:
            arguments += ["--python-path", folder]
        if record_via_manifest:
            arguments.append("--record-via-manifest")
        components[step.name] = _component(step.name.replace("_", "-"), image, arguments)

    def body(zenml_run_id: str, zenml_run_name: str) -> None:
        tasks: dict[str, Any] = {}
        for step in spec.steps:
            settings = structure(
                step.settings.extra.get("kubeflow", {}),
                KubeflowStepSettings,
                source=f"step {step.name!r}: settings['kubeflow']",
            )
            task = components[step.name](zenml_run_id=zenml_run_id, zenml_run_name=zenml_run_name)
            task.set_caching_options(False)
            task.set_display_name(step.name)
            for upstream in step.upstream:
                task.after(tasks[upstream])
            if settings.cpu:
                task.set_cpu_limit(settings.cpu)
            if settings.memory:
                task.set_memory_limit(settings.memory)
            if settings.gpu_type:
                task.set_accelerator_type(settings.gpu_type)
                task.set_accelerator_limit(settings.gpu_count)
            if settings.retries:
                task.set_retry(num_retries=settings.retries)
            for key, value in settings.environment.items():
                task.set_env_variable(key, value)
            tasks[step.name] = task

    body.__name__ = spec.name
    return dsl.pipeline(name=spec.name.replace("_", "-"))(body)


def compile_to_yaml(spec: PipelineSpec, **options: Any) -> str:
    """The Kubeflow Pipelines IR YAML of ``spec`` (options as for build_pipeline)."""
    from kfp import compiler

    pipeline = build_pipeline(spec, **options)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pipeline.yaml"
        compiler.Compiler().compile(pipeline, str(path))
        return path.read_text(encoding="utf-8")
