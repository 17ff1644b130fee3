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
from settings_pipeline import configured
from zenml_kubeflow.compiler import compile_to_yaml

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
        assert container["command"] == ["python3", "-m", "zenml_core.entrypoint"]
        args = container["args"]
        assert args[args.index("--step") + 1] == step.name
        assert PipelineSpec.from_json(args[args.index("--spec-json") + 1]) == spec
        assert json.loads(args[args.index("--stack-json") + 1]) == STACK
        assert args[-2:] == ["--executor-input", "{{$}}"]
        assert args[args.index("--run-id") + 1] == "{{$.inputs.parameters['zenml_run_id']}}"


def test_dependencies_mirror_the_dag(compiled: tuple[PipelineSpec, dict]) -> None:  # type: ignore[type-arg]
    _, document = compiled
    tasks = document["root"]["dag"]["tasks"]
    assert "dependentTasks" not in tasks["prepare"]
    assert tasks["fit"]["dependentTasks"] == ["prepare"]
    assert sorted(tasks["report"]["dependentTasks"]) == ["fit", "prepare"]
    assert all(task["cachingOptions"] == {} for task in tasks.values())  # KFP's cache off


def test_parameters_and_outputs(compiled: tuple[PipelineSpec, dict]) -> None:  # type: ignore[type-arg]
    spec, document = compiled
    assert set(document["root"]["inputDefinitions"]["parameters"]) == {
        "zenml_run_id",
        "zenml_run_name",
    }
    assert spec.parameters == {"count": 5}
    prepare = next(s for s in spec.steps if s.name == "prepare")
    assert prepare.parameters == {"count": 5}  # pipeline parameters reach the steps
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
    assert fit["env"] == [{"name": "MODE", "value": "fast"}]
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
    assert '"flavor": "mysql"' in compiled  # the stack document is there, without the secret
    assert planted not in compiled and planted not in printed
