"""``PipelineSpec``: the frozen, JSON round-trippable description of a pipeline's DAG.

Every orchestrator receives a spec; the step runner executes one of its steps. JSON layout::

    {"version": 1, "name": ..., "parameters": {...}, "enable_cache": true,
     "steps": [{"name": ..., "source": "module:attr", "parameters": {...},
                "inputs": {"x": {"step": "upstream", "output": "output"}},
                "outputs": {"output": {"type": "builtins:int", "materializer": null}},
                "settings": {"enable_cache": true}}]}

Steps are listed in a topological order.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cached_property
from typing import Any

from attrs import evolve, field, frozen

from zenml_core.config.converter import structure, unstructure
from zenml_core.errors import PipelineDefinitionError

SPEC_VERSION = 4


def _upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """A spec document of an earlier version, as this version reads it (old runs stay
    showable, rebuildable and resumable). Version 2 added the ``processing_backend`` step
    setting, false when absent; version 3 the steps' ``after`` (steps they follow without
    reading their outputs), ``when`` (a condition) and the retry settings, empty or none
    when absent; version 4 ``mapped`` (the inputs a ``.map`` call expands over) and the
    ``timeout`` and ``resources`` settings, none and light when absent."""
    return {**data, "version": SPEC_VERSION}


@frozen
class InputSpec:
    """Where an input comes from: output ``output`` of step ``step``, or (``step`` empty) the
    existing artifact ``external`` names (an id, or RUN/STEP/OUTPUT until a run resolves it
    to the id)."""

    step: str
    output: str
    external: str | None = None


@frozen
class ConditionSpec:
    """``when=``: the step runs only if this upstream output (or ``predicate`` applied to it,
    a ``module:function``) is true; otherwise it and its dependants are skipped."""

    step: str
    output: str
    predicate: str | None = None


@frozen
class OutputSpec:
    type: str
    materializer: str | None = None


@frozen
class StepSettings:
    """How a step runs. ``extra`` holds settings for plugins, by plugin name, e.g.
    ``{"docker": {"memory": "2g"}}`` from ``@step(settings={"docker": {...}})``.
    ``training_backend``: hand the step to the stack's training backend, if it has one.
    ``processing_backend``: give the step's code the stack's processing backend, if it has one
    (``step_context().processing``)."""

    enable_cache: bool = True
    extra: dict[str, Any] = field(factory=dict)
    training_backend: bool = False
    processing_backend: bool = False
    # version 3: run the step again after a failure, up to ``retries`` times, waiting
    # ``retry_delay`` seconds, multiplied by ``retry_backoff`` after each attempt
    retries: int = 0
    retry_delay: float = 0.0
    retry_backoff: float = 1.0
    # version 4: stop the step's code after this many seconds (None: no limit)
    timeout: float | None = None
    # version 4: what the step mostly uses (light, cpu, memory): cpu and memory steps run
    # at most as many at once as the orchestrator's heavy limit
    resources: str = "light"


@frozen
class StepSpec:
    name: str
    source: str
    parameters: dict[str, Any] = field(factory=dict)
    inputs: dict[str, InputSpec] = field(factory=dict)
    outputs: dict[str, OutputSpec] = field(factory=dict)
    settings: StepSettings = field(factory=StepSettings)
    config: dict[str, Any] = field(factory=dict)  # a step class's parameters object
    after: tuple[str, ...] = ()  # steps this one follows without reading their outputs
    when: ConditionSpec | None = None  # run only if this upstream output says so
    # version 4: ``.map`` - these inputs are lists, and the step runs once per item of them
    # (as steps ``name[0]``, ``name[1]``, ...); the others go to every item as they are
    mapped: tuple[str, ...] = ()
    # version 4: step parameter -> the pipeline parameter it is, passed on unchanged (an
    # orchestrator with runtime parameters lets a submission change it)
    parameter_sources: dict[str, str] = field(factory=dict)

    @property
    def recorded_parameters(self) -> dict[str, Any]:
        """Parameters as recorded with a step run: the parameters object's and the inputs'."""
        return {**self.config, **self.parameters}

    @property
    def upstream(self) -> list[str]:
        """Names of the steps this step waits for: those whose outputs it reads, and those it
        comes ``after``. Every orchestrator orders steps by this."""
        waits = {wire.step for wire in self.inputs.values() if not wire.external}
        waits |= set(self.after)
        if self.when is not None:
            waits.add(self.when.step)
        return sorted(waits)


@frozen
class PipelineSpec:
    name: str
    steps: tuple[StepSpec, ...]
    parameters: dict[str, Any] = field(factory=dict)
    enable_cache: bool = True
    version: int = SPEC_VERSION

    def __attrs_post_init__(self) -> None:
        check_graph(self)

    def with_parameters(self, values: Mapping[str, Any]) -> PipelineSpec:
        """This spec with pipeline parameters set anew (a runtime parameter's value at a
        submission): every step parameter that is one of them takes the new value."""
        unknown = set(values) - set(self.parameters)
        if unknown:
            raise PipelineDefinitionError(
                f"pipeline {self.name!r} has no parameter {', '.join(sorted(unknown))} "
                f"(parameters: {', '.join(self.parameters) or 'none'})"
            )
        steps = tuple(
            evolve(
                step,
                parameters={
                    **step.parameters,
                    **{
                        key: values[source]
                        for key, source in step.parameter_sources.items()
                        if source in values
                    },
                },
            )
            for step in self.steps
        )
        return evolve(self, parameters={**self.parameters, **values}, steps=steps)

    @cached_property
    def _by_name(self) -> dict[str, StepSpec]:
        return {step.name: step for step in self.steps}

    def step(self, name: str) -> StepSpec:
        found = self._by_name.get(name)
        if found is not None:
            return found
        item = map_item(name)
        if item is not None:
            mapped = self.step(item[0])
            if mapped.mapped:
                return item_spec(mapped, item[1])
        known = ", ".join(step.name for step in self.steps)
        raise PipelineDefinitionError(f"pipeline {self.name!r} has no step {name!r} ({known})")

    def caching(self, step: StepSpec) -> bool:
        """Whether ``step`` may use the cache (off if off for the pipeline or the step)."""
        return self.enable_cache and step.settings.enable_cache

    def downstream(self) -> dict[str, list[str]]:
        """For each step, the steps that read its outputs."""
        result: dict[str, list[str]] = {step.name: [] for step in self.steps}
        for step in self.steps:
            for upstream in step.upstream:
                result[upstream].append(step.name)
        return result

    def to_dict(self) -> dict[str, Any]:
        return unstructure(self)  # type: ignore[no-any-return]

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: Any, *, source: str = "pipeline spec") -> PipelineSpec:
        if isinstance(data, dict):
            version = data.get("version", SPEC_VERSION)
            if not isinstance(version, int) or version > SPEC_VERSION:
                raise PipelineDefinitionError(
                    f"{source}: spec version {version} is newer than this zenml-core's "
                    f"({SPEC_VERSION}); upgrade zenml-core to read it"
                )
            if version < SPEC_VERSION:
                data = _upgrade(data)
        return structure(data, cls, source=source)

    @classmethod
    def from_json(cls, text: str, *, source: str = "pipeline spec") -> PipelineSpec:
        return cls.from_dict(json.loads(text), source=source)


_ITEM = re.compile(r"^(.+)\[(\d+)\]$")


def map_item(name: str) -> tuple[str, int] | None:
    """``("process", 3)`` for ``process[3]``, the step run of one item of a mapped step."""
    found = _ITEM.match(name)
    return None if found is None else (found.group(1), int(found.group(2)))


def item_input(input_name: str, index: int) -> str:
    """The name of item ``index`` of mapped input ``input_name`` among the outputs of the
    step run that splits the lists (``numbers-3``)."""
    return f"{input_name}-{index}"


def item_count(mapped: StepSpec, split_outputs: Mapping[str, Any]) -> int:
    """How many items mapped step ``mapped`` has, from the outputs of its split step run."""
    prefix = f"{mapped.mapped[0]}-"
    return sum(
        1 for name in split_outputs if name.startswith(prefix) and name[len(prefix) :].isdigit()
    )


def item_names(spec: PipelineSpec, step_name: str, split_outputs: Mapping[str, Any]) -> list[str]:
    """The step runs of the items of ``step_name`` if it is a mapped step (given the outputs
    of its split step run); empty for any other step."""
    step = spec.step(step_name)
    if not step.mapped:
        return []
    return [f"{step_name}[{index}]" for index in range(item_count(step, split_outputs))]


def item_spec(mapped: StepSpec, index: int) -> StepSpec:
    """The step that runs item ``index`` of mapped step ``mapped``: each mapped input reads
    its item from the split step run (recorded under the mapped step's own name)."""
    inputs = dict(mapped.inputs)
    for name in mapped.mapped:
        inputs[name] = InputSpec(step=mapped.name, output=item_input(name, index))
    return evolve(
        mapped, name=f"{mapped.name}[{index}]", inputs=inputs, mapped=(), after=(), when=None
    )


_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


def check_name(kind: str, name: str) -> str:
    """Pipeline, step and output names become folder names in the artifact store."""
    if not _NAME.match(name) or ".." in name:
        raise PipelineDefinitionError(
            f"{kind} name {name!r} is not allowed: use letters, digits, '_', '-' and '.', "
            "without '..' or path separators"
        )
    return name


def check_graph(spec: PipelineSpec) -> None:
    """Safe unique names, inputs naming known steps and outputs, steps in topological order."""
    check_name("pipeline", spec.name)
    seen: dict[str, StepSpec] = {}
    for step in spec.steps:
        check_name("step", step.name)
        for output in step.outputs:
            check_name(f"step {step.name!r}: output", output)
        if step.name in seen:
            raise PipelineDefinitionError(
                f"pipeline {spec.name!r}: two steps are named {step.name!r}"
            )
        for input_name, wire in step.inputs.items():
            if wire.external:
                continue  # an existing artifact: checked when the run resolves it
            upstream = seen.get(wire.step)
            if upstream is None:
                later = any(other.name == wire.step for other in spec.steps)
                problem = "which comes later: the steps form a cycle" if later else "unknown"
                raise PipelineDefinitionError(
                    f"step {step.name!r}: input {input_name!r} reads step {wire.step!r}, {problem}"
                )
            if wire.output not in upstream.outputs:
                raise PipelineDefinitionError(
                    f"step {step.name!r}: input {input_name!r} reads output {wire.output!r} "
                    f"that step {wire.step!r} does not have ({', '.join(upstream.outputs)})"
                )
        for name in step.mapped:
            if name not in step.inputs or step.inputs[name].external:
                raise PipelineDefinitionError(
                    f"step {step.name!r}: mapped input {name!r} is not an input read from a step"
                )
        condition = step.when
        if condition is not None:
            upstream = seen.get(condition.step)
            if upstream is None or condition.output not in upstream.outputs:
                raise PipelineDefinitionError(
                    f"step {step.name!r}: when= reads output {condition.output!r} of step "
                    f"{condition.step!r}, which is not an earlier step's output"
                )
        for before in step.after:
            if before not in seen:
                later = any(other.name == before for other in spec.steps)
                problem = "which comes later: the steps form a cycle" if later else "unknown"
                raise PipelineDefinitionError(
                    f"step {step.name!r}: after= names step {before!r}, {problem}"
                )
        seen[step.name] = step
