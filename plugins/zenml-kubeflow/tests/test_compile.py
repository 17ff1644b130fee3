"""The compiled Kubeflow Pipelines YAML: executors, image, command, DAG, parameters, resources."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from settings_pipeline import configured, ordered
from zenml_kubeflow.compiler import compile_to_yaml

from zenml_core.errors import ZenMLError
from zenml_core.pipelines.spec import PipelineSpec
from zenml_core.plugin.manager import create_plugin_manager

STACK = {
    "name": "s",
    "components": {"artifact_store": {"name": "a", "flavor": "local", "settings": {}}},
}


@pytest.fixture(scope="module")
def compiled() -> tuple[PipelineSpec, dict]:  # type: ignore[type-arg]
    spec = configured.compile(plugins=create_plugin_manager(autoload=False), count=5)
    text = compile_to_yaml(spec, image="zenml-steps:abc", stack_document=STACK, python_path=["/p"])
    return spec, yaml.safe_load(text)


def test_one_container_executor_per_step(compiled: tuple[PipelineSpec, dict]) -> None:  # type: ignore[type-arg]
    spec, document = compiled
    executors = document["deploymentSpec"]["executors"]
    assert sorted(executors) == ["exec-fit", "exec-prepare", "exec-report"]
    for step in spec.steps:
        container = executors[f"exec-{step.name}"]["container"]
        assert container["image"] == "zenml-steps:abc"
        assert container["command"] == ["python3", "-m", "zenml_kubeflow.entrypoint"]
        args = container["args"]
        assert args[args.index("--step") + 1] == step.name
        # The spec and the stack are pipeline parameters: in the YAML once, not per task.
        assert args[args.index("--spec-json") + 1] == "{{$.inputs.parameters['zenml_spec']}}"
        assert args[args.index("--stack-json") + 1] == "{{$.inputs.parameters['zenml_stack']}}"
        assert args[-2:] == ["--executor-input", "{{$}}"]
        assert args[args.index("--run-id") + 1] == "{{$.inputs.parameters['zenml_run_id']}}"
    defaults = document["root"]["inputDefinitions"]["parameters"]
    assert PipelineSpec.from_json(defaults["zenml_spec"]["defaultValue"]) == spec
    assert json.loads(defaults["zenml_stack"]["defaultValue"]) == STACK


def test_dependencies_mirror_the_dag(compiled: tuple[PipelineSpec, dict]) -> None:  # type: ignore[type-arg]
    _, document = compiled
    tasks = document["root"]["dag"]["tasks"]
    assert "dependentTasks" not in tasks["prepare"]
    assert tasks["fit"]["dependentTasks"] == ["prepare"]
    assert sorted(tasks["report"]["dependentTasks"]) == ["fit", "prepare"]
    assert all(task["cachingOptions"] == {} for task in tasks.values())  # KFP's cache off


def test_parameters_and_outputs(compiled: tuple[PipelineSpec, dict]) -> None:  # type: ignore[type-arg]
    spec, document = compiled
    declared = document["root"]["inputDefinitions"]["parameters"]
    assert set(declared) == {"zenml_run_id", "zenml_run_name", "zenml_spec", "zenml_stack", "count"}
    # a pipeline parameter a step takes as it is: a typed runtime input, the compiled value
    # its default, passed to that step's task (and only there) for the step runner to apply
    assert declared["count"] == {
        "parameterType": "NUMBER_INTEGER", "defaultValue": 5.0, "isOptional": True
    }  # fmt: skip
    assert spec.parameters == {"count": 5}
    prepare = next(s for s in spec.steps if s.name == "prepare")
    assert prepare.parameters == {"count": 5}  # pipeline parameters reach the steps
    assert prepare.parameter_sources == {"count": "count"}
    executors = document["deploymentSpec"]["executors"]
    args = executors["exec-prepare"]["container"]["args"]
    at = args.index("--pipeline-parameter")
    assert args[at + 1] == "count={{$.inputs.parameters['count']}}"
    assert "--pipeline-parameter" not in executors["exec-fit"]["container"]["args"]
    tasks = document["root"]["dag"]["tasks"]
    assert tasks["prepare"]["inputs"]["parameters"]["count"] == {"componentInputParameter": "count"}
    outputs = document["components"]["comp-prepare"]["outputDefinitions"]["parameters"]
    assert list(outputs) == ["zenml_outputs"]


def test_step_resources_retries_and_environment(compiled: tuple[PipelineSpec, dict]) -> None:  # type: ignore[type-arg]
    _, document = compiled
    fit = document["deploymentSpec"]["executors"]["exec-fit"]["container"]
    resources = fit["resources"]
    assert resources["cpuLimit"] == 2.0 and resources["memoryLimit"] == 4.0
    assert resources["accelerator"]["type"] == "NVIDIA_TESLA_T4"
    assert (
        int(resources["accelerator"].get("count", resources["accelerator"].get("resourceCount")))
        == 2
    )
    image = fit["image"]  # the step's image tag, for engines that start workers from it
    assert fit["env"] == [
        {"name": "ZENML_STEP_IMAGE", "value": image},
        {"name": "MODE", "value": "fast"},
        {"name": "ZENML_RETRIES_BY_ORCHESTRATOR", "value": "1"},  # Kubeflow owns the retries
    ]
    assert document["root"]["dag"]["tasks"]["fit"]["retryPolicy"]["maxRetryCount"] == 3
    assert "resources" not in document["deploymentSpec"]["executors"]["exec-prepare"]["container"]


def test_the_compile_command_writes_yaml_without_running(
    tmp_path: Path, docker_client: Any, wheelhouse: Path
) -> None:
    from conftest import BASE_IMAGE

    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    shutil.copy(Path(__file__).with_name("settings_pipeline.py"), root / "pipeline.py")
    zenml = str(Path(sys.executable).with_name("zenml"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([zenml, *args], cwd=root, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result

    run("init")
    run("orchestrator", "register", "kfp", "--flavor", "kubeflow", "--local=true",
        f"--base_image={BASE_IMAGE}", f"--wheelhouse={wheelhouse}")  # fmt: skip
    run("stack", "register", "k", "-a", "default", "-m", "default", "-o", "kfp", "--set")
    out = run("kubeflow", "compile", "pipeline.py:configured", "--output", "configured.yaml")
    assert out.stdout.startswith("Wrote configured.yaml (3 steps, image zenml-steps:")
    document = yaml.safe_load((root / "configured.yaml").read_text())
    assert sorted(document["deploymentSpec"]["executors"]) == [
        "exec-fit",
        "exec-prepare",
        "exec-report",
    ]
    runs = run("runs", "list", "--output", "json")
    assert json.loads(runs.stdout) == []  # nothing ran

    # A pipeline called at module level is reported with its line, and it does not run.
    text = (root / "pipeline.py").read_text() + "\nconfigured(count=2)\n"
    (root / "unguarded.py").write_text(text)
    refused = subprocess.run(
        [zenml, "kubeflow", "compile", "unguarded.py:configured", "--output", "u.yaml"],
        cwd=root, capture_output=True, text=True,
    )  # fmt: skip
    assert refused.returncode == 1
    assert f"unguarded.py line {text.count(chr(10))} runs pipeline 'configured'" in refused.stderr
    assert '`if __name__ == "__main__":`' in refused.stderr
    assert not (root / "u.yaml").exists()
    assert json.loads(run("runs", "list", "--output", "json").stdout) == []


def test_a_secret_of_the_stack_is_not_in_the_compiled_yaml(
    tmp_path: Path, docker_client: Any, wheelhouse: Path
) -> None:
    from conftest import BASE_IMAGE

    planted = "planted-kfp-S3cret-41d0"
    root = tmp_path / "project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    shutil.copy(Path(__file__).with_name("settings_pipeline.py"), root / "pipeline.py")
    zenml = str(Path(sys.executable).with_name("zenml"))

    def run(*args: str) -> str:
        result = subprocess.run([zenml, *args], cwd=root, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout + result.stderr

    run("init")
    run("orchestrator", "register", "kfp", "--flavor", "kubeflow", "--local=true",
        f"--base_image={BASE_IMAGE}", f"--wheelhouse={wheelhouse}")  # fmt: skip
    printed = run("metadata-store", "register", "team", "--flavor", "mysql", "--database=zenml",
                  f"--password={planted}")  # fmt: skip
    run("stack", "register", "k", "-a", "default", "-m", "team", "-o", "kfp", "--set")
    printed += run("kubeflow", "compile", "pipeline.py:configured", "--output", "c.yaml")
    compiled = (root / "c.yaml").read_text()
    parameters = yaml.safe_load(compiled)["root"]["inputDefinitions"]["parameters"]
    stack = json.loads(parameters["zenml_stack"]["defaultValue"])
    # the stack document is there, without the secret
    assert stack["components"]["metadata_store"]["flavor"] == "mysql"
    assert planted not in compiled and planted not in printed


def chain_spec(length: int) -> PipelineSpec:
    """A chain of ``length`` + 1 steps."""
    from zenml_core.pipelines import pipeline
    from zenml_core.testing.pipelines import add, numbers

    @pipeline
    def chain(length: int = 1) -> None:
        values = numbers()
        for _ in range(length):
            values = add(values)

    return chain.compile(plugins=create_plugin_manager(autoload=False), length=length)


def test_the_yaml_grows_linearly_and_carries_the_spec_once() -> None:
    sizes = {}
    for steps in (10, 40):
        spec = chain_spec(steps)
        text = compile_to_yaml(spec, image="zenml-steps:abc", stack_document=STACK, python_path=[])
        sizes[steps] = len(text)
        assert text.count('"name": "add_2"') == 1  # in the spec, once
    per_step = (sizes[40] - sizes[10]) / 30
    assert per_step < 3000  # each task adds its own lines, not another copy of the spec
    assert sizes[40] < 4 * sizes[10] + 1


def test_secret_variables_come_from_a_kubernetes_secret_by_name_only() -> None:
    spec = configured.compile(plugins=create_plugin_manager(autoload=False), count=5)
    options: dict[str, Any] = {"image": "zenml-steps:abc", "stack_document": STACK,
                               "python_path": []}  # fmt: skip
    variables = ["ZENML_DB_PASSWORD", "ZENML_ARTIFACT_STORE__TOKEN"]
    with pytest.raises(ZenMLError, match=r"create a Kubernetes secret .* secret=NAME"):
        compile_to_yaml(spec, secret_variables=variables, **options)
    text = compile_to_yaml(
        spec, secret_variables=variables, kubernetes_secret="zenml-stack", **options
    )
    platform = yaml.safe_load_all(text)
    documents = list(platform)
    kubernetes = documents[1]["platforms"]["kubernetes"]["deploymentSpec"]["executors"]
    assert sorted(kubernetes) == ["exec-fit", "exec-prepare", "exec-report"]
    for executor in kubernetes.values():
        entries = executor["secretAsEnv"]
        assert [e.get("secretName") or e.get("secretNameParameter") for e in entries] != []
        keys = {m["secretKey"]: m["envVar"] for e in entries for m in e["keyToEnv"]}
        assert keys == {name: name for name in variables}


def test_after_becomes_a_task_dependency() -> None:
    spec = ordered.compile(plugins=create_plugin_manager(autoload=False))
    text = compile_to_yaml(spec, image="zenml-steps:abc", stack_document=STACK, python_path=["/p"])
    tasks = yaml.safe_load(text)["root"]["dag"]["tasks"]
    assert tasks["notify"]["dependentTasks"] == ["fit"]
    assert sorted(tasks["fit"]["dependentTasks"]) == ["prepare"]


def test_a_mapped_step_is_one_task_that_runs_its_items() -> None:
    """The items of ``step.map`` are known only at run time: the mapped step's task splits the
    list and runs every item (step runs ``double[0]``, ...); no task name has brackets."""
    from zenml_core.testing.pipelines import mapped

    spec = mapped.compile(plugins=create_plugin_manager(autoload=False))
    document = yaml.safe_load(
        compile_to_yaml(spec, image="zenml-steps:abc", stack_document=STACK, python_path=["/p"])
    )
    executors = document["deploymentSpec"]["executors"]
    assert sorted(executors) == ["exec-double", "exec-numbers", "exec-total"]
    assert "--with-map-items" in executors["exec-double"]["container"]["args"]
    assert "--with-map-items" not in executors["exec-total"]["container"]["args"]
    assert document["root"]["dag"]["tasks"]["total"]["dependentTasks"] == ["double"]
