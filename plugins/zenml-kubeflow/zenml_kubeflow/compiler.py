"""Translate a ``PipelineSpec`` into Kubeflow Pipelines IR YAML with the kfp compiler.

One container task per step, all on the step image, each running ``python3 -m
zenml_kubeflow.entrypoint`` (or another plugin's wrapper of it) with KFP's executor input
(``{{$}}``), so it writes the executor output file: the task's output parameter
``zenml_outputs`` holds the step's output URIs. The spec and the stack document are pipeline
parameters whose defaults hold them, carried once per pipeline, not once per task: the YAML
grows linearly with the steps. Task dependencies mirror the DAG; KFP's own cache is off,
zenml's decides. Secrets are never in the YAML: tasks read them from a Kubernetes secret
(named in the orchestrator's settings) or, through ``environment``, as references.
"""

# No `from __future__ import annotations` here: kfp reads the component's annotations.
import json
import re
import tempfile
from pathlib import Path
from typing import Any

from zenml_core.config.converter import structure
from zenml_core.config.environment import RETRIES_BY_ORCHESTRATOR_ENV, STEP_IMAGE_ENV
from zenml_core.errors import ZenMLError
from zenml_core.pipelines.spec import PipelineSpec
from zenml_kubeflow.config import KubeflowStepSettings

RUN_ID = "zenml_run_id"
RUN_NAME = "zenml_run_name"
SPEC = "zenml_spec"
STACK = "zenml_stack"
ENTRYPOINT = "zenml_kubeflow.entrypoint"


class KubeflowCompileError(ZenMLError):
    """The pipeline cannot be compiled for Kubeflow Pipelines as configured."""


def _component(task_name: str, image: str, entrypoint: str, fixed_args: list[str]) -> Any:
    from kfp import dsl

    @dsl.container_component  # type: ignore[untyped-decorator]
    def zenml_step(  # type: ignore[no-untyped-def]
        zenml_run_id: str,
        zenml_run_name: str,
        zenml_spec: str,
        zenml_stack: str,
        zenml_outputs: dsl.OutputPath(str),  # type: ignore[valid-type]
    ):
        return dsl.ContainerSpec(
            image=image,
            command=["python3", "-m", entrypoint],
            args=[
                "--run-id", zenml_run_id, "--run-name", zenml_run_name,
                "--spec-json", zenml_spec, "--stack-json", zenml_stack, *fixed_args,
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
    secret_variables: list[str] | None = None,
    kubernetes_secret: str | None = None,
    environment: dict[str, str] | None = None,
    entrypoint: str = ENTRYPOINT,
) -> Any:
    """A kfp pipeline function for ``spec`` (compile it, or run it with ``kfp.local``).

    ``secret_variables`` (see ``zenml_core.stack.builder.secret_variables``) come from
    ``kubernetes_secret``; ``environment`` is set on every task (plain values only).
    """
    from kfp import dsl

    fixed: list[str] = []
    for folder in python_path:
        fixed += ["--python-path", folder]
    if record_via_manifest:
        fixed.append("--record-via-manifest")
    # A mapped step's items run inside its task, after the split (KFP cannot add tasks
    # once a run started, and dsl.ParallelFor would need the item count at compile time or a
    # task per item): task names never carry an item's brackets.
    components = {
        step.name: _component(
            step.name.replace("_", "-"),
            image,
            entrypoint,
            ["--step", step.name, *fixed, *(["--with-map-items"] if step.mapped else [])],
        )
        for step in spec.steps
    }
    spec_json = spec.to_json()
    stack_json = json.dumps(stack_document, sort_keys=True)
    from_secret = {name: name for name in secret_variables or []}
    if from_secret and kubernetes_secret is None:
        raise KubeflowCompileError(
            f"the stack's secrets ({', '.join(from_secret)}) must reach the step pods: create "
            "a Kubernetes secret with one key per variable and set the orchestrator's "
            "secret=NAME (the compiled YAML never holds a secret's value)"
        )

    def body(
        zenml_run_id: str, zenml_run_name: str, zenml_spec: str = spec_json,
        zenml_stack: str = stack_json,
    ) -> None:  # fmt: skip
        tasks: dict[str, Any] = {}
        for step in spec.steps:
            settings = structure(
                step.settings.extra.get("kubeflow", {}),
                KubeflowStepSettings,
                source=f"step {step.name!r}: settings['kubeflow']",
            )
            task = components[step.name](
                zenml_run_id=zenml_run_id, zenml_run_name=zenml_run_name,
                zenml_spec=zenml_spec, zenml_stack=zenml_stack,
            )  # fmt: skip
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
            # Retries have one owner: Kubeflow's retry policy, each attempt recording itself
            # under the one step run; the step runner inside does not loop as well.
            retries = settings.retries or step.settings.retries
            variables = {STEP_IMAGE_ENV: image, **(environment or {}), **settings.environment}
            if retries:
                policy: dict[str, Any] = {"num_retries": retries}
                if step.settings.retry_delay:
                    policy["backoff_duration"] = f"{step.settings.retry_delay:g}s"
                    policy["backoff_factor"] = step.settings.retry_backoff
                task.set_retry(**policy)
                variables[RETRIES_BY_ORCHESTRATOR_ENV] = "1"
            for key, value in variables.items():
                task.set_env_variable(key, value)
            if from_secret:
                from kfp import kubernetes

                kubernetes.use_secret_as_env(
                    task, secret_name=kubernetes_secret, secret_key_to_env=from_secret
                )
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
        text = path.read_text(encoding="utf-8")
    # kfp's header comment repeats every input's default: the spec and stack once more.
    for name, what in ((SPEC, "the pipeline spec"), (STACK, "the stack document")):
        text = re.sub(
            rf"^#    {name}: str \[Default: .*$", f"#    {name}: str ({what}, as JSON)", text,
            count=1, flags=re.M,
        )  # fmt: skip
    return text


def compile_for_stack(
    spec: PipelineSpec,
    stack: Any,
    plugins: Any,
    settings: Any,
    root: Path,
    *,
    remote: bool,
    registry: str | None = None,
    kubernetes_secret: str | None = None,
    environment: dict[str, str] | None = None,
    entrypoint: str = ENTRYPOINT,
    with_secrets: bool = True,
) -> tuple[str, str]:
    """Build the step image for ``stack`` (``settings``: a ``StepImageSettings``; pushed to
    ``registry`` when given) and compile ``spec``; returns (image, YAML).

    ``remote``: the tasks run away from this machine (a cluster, Vertex AI): steps that cannot
    reach the metadata store record via manifests, and the stack's secret variables come from
    ``kubernetes_secret`` (``with_secrets`` off: the caller provides them another way)."""
    from zenml_docker.image import build_step_image, project_python_path

    from zenml_core.stack.builder import secret_variables, stack_document

    image, _ = build_step_image(settings, stack, plugins, root, registry=registry)
    yaml_text = compile_to_yaml(
        spec,
        image=image,
        stack_document=stack_document(stack, plugins.registry),
        python_path=project_python_path(root),
        record_via_manifest=remote and not stack.metadata_store.reachable_elsewhere(),
        secret_variables=secret_variables(stack) if remote and with_secrets else None,
        kubernetes_secret=kubernetes_secret,
        environment=environment,
        entrypoint=entrypoint,
    )
    return image, yaml_text
