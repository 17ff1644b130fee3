"""Playing the cluster in tests: run a compiled pipeline's tasks as processes on this machine.

Fake KFP and Vertex API servers use it to execute what they were sent, so tests see the
submitted YAML's own commands run (with this interpreter instead of the image's).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any


def run_tasks_locally(
    pipeline_spec: dict[str, Any],
    parameters: dict[str, Any],
    environ: dict[str, str] | None = None,
) -> dict[str, int]:
    """Run every task's container command as a local process, dependencies first; returns
    the exit codes. A task whose dependency failed does not start (as on a cluster): -1.
    Tasks get ``environ`` (default: this process's) and the variables their spec sets."""
    environ = dict(os.environ) if environ is None else environ
    defaults = {
        name: definition["defaultValue"]
        for name, definition in pipeline_spec["root"]["inputDefinitions"]["parameters"].items()
        if "defaultValue" in definition
    }
    parameters = {**defaults, **parameters}  # what the KFP backend does with the defaults
    tasks = pipeline_spec["root"]["dag"]["tasks"]
    executors = pipeline_spec["deploymentSpec"]["executors"]
    codes: dict[str, int] = {}
    while len(codes) < len(tasks):
        for name, task in tasks.items():
            needs = task.get("dependentTasks", [])
            if name in codes or any(need not in codes for need in needs):
                continue
            if any(codes[need] != 0 for need in needs):
                codes[name] = -1
                continue
            component = pipeline_spec["components"][task["componentRef"]["name"]]
            container = executors[component["executorLabel"]]["container"]
            with tempfile.TemporaryDirectory() as folder:
                executor_input = json.dumps({
                    "inputs": {"parameterValues": parameters},
                    "outputs": {
                        "parameters": {"zenml_outputs": {"outputFile": f"{folder}/outputs"}},
                        "outputFile": f"{folder}/executor_output.json",
                    },
                })  # fmt: skip
                args = [_fill(arg, parameters, executor_input) for arg in container["args"]]
                command = [sys.executable, *container["command"][1:], *args]
                environment = {e["name"]: e["value"] for e in container.get("env", [])}
                codes[name] = subprocess.run(
                    command, capture_output=True, env={**environ, **environment}
                ).returncode
                if codes[name] == 0 and not Path(folder, "executor_output.json").exists():
                    raise RuntimeError(f"task {name} exited 0 but wrote no executor output")
    return codes


def _fill(argument: str, parameters: dict[str, Any], executor_input: str) -> str:
    if argument == "{{$}}":
        return executor_input
    for name, value in parameters.items():
        argument = argument.replace(f"{{{{$.inputs.parameters['{name}']}}}}", _rendered(value))
    return argument


def _rendered(value: Any) -> str:
    """A parameter's value in a container's arguments, as the KFP backend renders it: a
    string as it is, a whole number without a fraction (integer inputs are stored as
    doubles), anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value)
