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
import inspect
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


def _input(name: str, annotation: Any = str, default: Any = inspect.Parameter.empty) -> Any:
    """One input of a generated kfp function (kfp reads its signature; the generated
    functions take their inputs positionally, in this order)."""
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default, annotation=annotation
    )


def _component(
    task_name: str, image: str, entrypoint: str, fixed_args: list[str], runtime: dict[str, type]
) -> Any:
    """The container component of one step; ``runtime``: the pipeline parameters (name ->
    type) the step takes as they are, inputs of the task passed on to the step runner."""
    from kfp import dsl

    fixed = [RUN_ID, RUN_NAME, SPEC, STACK]

    def zenml_step(*values: Any) -> Any:
        named = dict(zip([*fixed, "zenml_outputs", *runtime], values, strict=True))
        overrides: list[str] = []
        for name in runtime:  # the value as the task receives it, for the step runner
            overrides += ["--pipeline-parameter", f"{name}={named[name]}"]
        return dsl.ContainerSpec(
            image=image,
            command=["python3", "-m", entrypoint],
            args=[
                "--run-id", named[RUN_ID], "--run-name", named[RUN_NAME],
                "--spec-json", named[SPEC], "--stack-json", named[STACK],
                *fixed_args, *overrides, "--executor-input", "{{$}}",
            ],
        )  # fmt: skip

    zenml_step.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            *(_input(name) for name in fixed),
            _input("zenml_outputs", dsl.OutputPath(str)),
            *(_input(name, kind) for name, kind in runtime.items()),
        ]
    )
    component = dsl.container_component(zenml_step)
    component.component_spec.name = task_name
    return component


def runtime_parameters(spec: PipelineSpec) -> dict[str, type]:
    """The pipeline parameters some step takes as they are (name -> type, from the value the
    spec holds): typed pipeline inputs a submission may set."""
    used = {source for step in spec.steps for source in step.parameter_sources.values()}
    return {name: type(spec.parameters[name]) for name in sorted(used) if name in spec.parameters}


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
    runtime = runtime_parameters(spec)
    components = {
        step.name: _component(
            step.name.replace("_", "-"),
            image,
            entrypoint,
            ["--step", step.name, *fixed, *(["--with-map-items"] if step.mapped else [])],
            {name: runtime[name] for name in sorted(set(step.parameter_sources.values()))},
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

    def body(*values: Any) -> None:
        named = dict(zip([RUN_ID, RUN_NAME, SPEC, STACK, *runtime], values, strict=True))
        tasks: dict[str, Any] = {}
        for step in spec.steps:
            settings = structure(
                step.settings.extra.get("kubeflow", {}),
                KubeflowStepSettings,
                source=f"step {step.name!r}: settings['kubeflow']",
            )
            task = components[step.name](
                zenml_run_id=named[RUN_ID], zenml_run_name=named[RUN_NAME],
                zenml_spec=named[SPEC], zenml_stack=named[STACK],
                **{name: named[name] for name in set(step.parameter_sources.values())},
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

    # The pipeline's inputs: the run's id and name, the spec and stack documents, and each
    # runtime parameter typed, with the compiled value as its default.
    body.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            _input(RUN_ID), _input(RUN_NAME), _input(SPEC, default=spec_json),
            _input(STACK, default=stack_json),
            *(_input(name, kind, spec.parameters[name]) for name, kind in runtime.items()),
        ]
    )  # fmt: skip
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
