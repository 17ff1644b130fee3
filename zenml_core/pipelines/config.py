"""Run configuration files (``zenml pipeline run ... --config run.yaml``)::

parameters: {learning_rate: 0.05}    # the pipeline function's parameters
enable_cache: false                  # optional, for the whole pipeline
run_name: nightly-{date}-{time}      # optional: a fixed name or a template
stack: gpu                           # optional: the stack to run on
settings: {docker: {memory: 4g}}     # optional: settings for every step
steps:
  train:                             # a step's name in the pipeline
    parameters: {epochs: 3}
    enable_cache: false
    settings: {docker: {memory: 16g}}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from attrs import field, frozen

from zenml_core.config.converter import structure


@frozen
class StepRunConfig:
    parameters: dict[str, Any] = field(factory=dict)
    enable_cache: bool | None = None
    settings: dict[str, Any] = field(factory=dict)


@frozen
class RunConfig:
    parameters: dict[str, Any] = field(factory=dict)
    enable_cache: bool | None = None
    steps: dict[str, StepRunConfig] = field(factory=dict)
    stack: str | None = None  # the stack to run on (see Pipeline.stack_name for precedence)
    run_name: str | None = None  # a fixed name or a template ({date}, {time}, ...)
    settings: dict[str, Any] = field(factory=dict)  # for every step, under theirs

    @classmethod
    def load(cls, path: Path) -> RunConfig:
        from zenml_core.config.files import load_yaml

        data = load_yaml(path)
        return structure({} if data is None else data, cls, source=str(path))

    def step_overrides(self) -> dict[str, dict[str, Any]]:
        """Per-step settings for the pipeline builder (only what is set)."""
        overrides: dict[str, dict[str, Any]] = {}
        for name, step in self.steps.items():
            entry: dict[str, Any] = {"parameters": step.parameters, "settings": step.settings}
            if step.enable_cache is not None:
                entry["enable_cache"] = step.enable_cache
            overrides[name] = entry
        return overrides
