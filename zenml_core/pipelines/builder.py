"""Capturing a pipeline: step calls inside a ``@pipeline`` function become a ``PipelineSpec``.

While the pipeline function runs, calling a step records a node and returns handles to its
outputs; passing a handle to another step records an edge. Every check here raises an error
naming the step, before anything runs.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import math
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from attrs import frozen

from zenml_core.errors import PipelineDefinitionError
from zenml_core.naming import check_length
from zenml_core.pipelines.external import VALUE_PREFIX, ExternalArtifact
from zenml_core.pipelines.parameters import ParameterTracker
from zenml_core.pipelines.spec import (
    ConditionSpec,
    InputSpec,
    OutputSpec,
    PipelineSpec,
    StepSettings,
    StepSpec,
)
from zenml_core.steps.signature import (
    describe_type,
    holds_bulk_data,
    is_compatible,
    is_dataset,
    list_item_type,
    type_name,
    value_matches,
)
from zenml_core.utils.source import remember

if TYPE_CHECKING:
    from zenml_core.materializers.registry import MaterializerRegistry
    from zenml_core.steps.base import BaseStep

_active: contextvars.ContextVar[PipelineBuilder | None] = contextvars.ContextVar(
    "zenml_pipeline_builder", default=None
)


@frozen
class StepOutput:
    """A handle to one output of a step invocation; pass it to another step to wire them."""

    step: str
    output: str
    annotation: Any

    def __repr__(self) -> str:
        return f"<output {self.output!r} of step {self.step!r}>"


class StepOutputs:
    """The handles of a step with several outputs (or none): unpack them (``q, r = divide()``),
    index them, use ``.name``, or pass them to ``after=``. Not a tuple, so outputs named
    ``count`` or ``index`` are theirs."""

    __slots__ = ("_handles", "_step")

    def __init__(self, step: str, handles: dict[str, StepOutput]) -> None:
        self._step = step
        self._handles = handles

    @property
    def _names(self) -> tuple[str, ...]:
        return tuple(self._handles)

    def __iter__(self) -> Iterator[StepOutput]:
        return iter(self._handles.values())

    def __len__(self) -> int:
        return len(self._handles)

    def __getitem__(self, key: int | str) -> StepOutput:
        if isinstance(key, str):
            return self.__getattr__(key)
        return list(self._handles.values())[key]

    def __getattr__(self, name: str) -> StepOutput:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._handles[name]
        except KeyError:
            raise PipelineDefinitionError(
                f"step {self._step!r} has no output {name!r} (outputs: {', '.join(self._names)})"
            ) from None

    def __repr__(self) -> str:
        return f"<outputs {', '.join(self._names)} of step {self._step!r}>"


class unmapped:  # lower case, as ZenML users write it: step.map(x=items, y=unmapped(y))
    """Inside ``step.map(...)``: pass this step output whole to every item instead of
    mapping over it."""

    __slots__ = ("output",)

    def __init__(self, output: StepOutput) -> None:
        if not isinstance(output, StepOutput):
            raise PipelineDefinitionError(
                f"unmapped() takes one output of a step, got {type(output).__name__}"
            )
        self.output = output


def merge_settings(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Settings from the pipeline, the step and the configuration, later ones winning; a
    plugin's settings (a dict) merge key by key: ``{"docker": {"memory": "2g"}}`` on the
    pipeline and ``{"docker": {"gpus": 1}}`` on a step give the step both."""
    merged: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return merged


def _output_list(value: Any) -> list[StepOutput] | None:
    """The handles of a list made of step outputs only (None for any other value); a list
    that mixes outputs and plain values is refused."""
    if not isinstance(value, list | tuple) or not value:
        return None
    handles = [item for item in value if isinstance(item, StepOutput)]
    if not handles:
        return None
    if len(handles) != len(value):
        raise PipelineDefinitionError(
            "a list passed to a step mixes step outputs and plain values; pass outputs only "
            "(make the values outputs of a step)"
        )
    return handles


def _condition(name: str, when: Any) -> ConditionSpec:
    """``when=flag`` (an output) or ``when=(output, predicate)`` (a module-level function of
    the output's value, recorded by its import path)."""
    from zenml_core.utils.source import source_of

    handle, predicate = when if isinstance(when, tuple) and len(when) == 2 else (when, None)
    if not isinstance(handle, StepOutput):
        raise PipelineDefinitionError(
            f"step {name!r}: when= takes an output of an earlier step (true or false), or "
            f"(output, predicate); got {type(when).__name__}"
        )
    source = None
    if predicate is not None:
        qualname = getattr(predicate, "__qualname__", "")
        if not callable(predicate) or "<" in qualname:
            raise PipelineDefinitionError(
                f"step {name!r}: the predicate of when= must be a module-level function (it is "
                f"imported where the step runs), got {qualname or type(predicate).__name__}"
            )
        source = source_of(predicate)
        remember(source, predicate)
    return ConditionSpec(step=handle.step, output=handle.output, predicate=source)


def active_builder() -> PipelineBuilder | None:
    """The builder of the pipeline being defined now, if any."""
    return _active.get()


def current_builder(step: BaseStep) -> PipelineBuilder:
    builder = _active.get()
    if builder is None:
        raise PipelineDefinitionError(
            f"step {step.name!r} was called outside a @pipeline function; call steps inside a "
            "pipeline, or call step.entrypoint(...) to run its code directly"
        )
    return builder


_PLAIN = (str, int, bool, type(None))  # exactly these types: subclasses take the round trip


def check_parameter(step: str, name: str, value: Any) -> Any:
    """A parameter must be JSON (tuples become lists); it is recorded and hashed as JSON."""
    if type(value) in _PLAIN or (type(value) is dict and not value):
        return value  # already JSON as it is: the round trip below would give it back
    if type(value) is float and math.isfinite(value):
        return value
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise PipelineDefinitionError(
            f"step {step!r}: parameter {name!r} ({type(value).__name__}) cannot be serialised "
            f"to JSON ({exc}); pass numbers, strings, lists or dicts, or make it the output of "
            "a step so it becomes an artifact"
        ) from None


class PipelineBuilder:
    """Collects step invocations while a pipeline function runs."""

    def __init__(
        self,
        name: str,
        materializers: MaterializerRegistry,
        step_overrides: Mapping[str, Mapping[str, Any]] | None = None,
        settings: Mapping[str, Any] | None = None,
    ) -> None:
        self.name = name
        self.materializers = materializers
        self.step_overrides = dict(step_overrides or {})
        self.settings = dict(settings or {})  # the pipeline's, for every step
        self.steps: list[StepSpec] = []
        self._calls: dict[str, StepSpec] = {}  # the steps by name, to look names up at once
        self._next_number: dict[str, int] = {}  # name -> the next _N suffix to try
        self._prefixes: list[str] = []  # the pipelines being inlined, outermost first
        # ExternalArtifact values by the token the spec holds until a run writes them
        self.values: dict[str, Any] = {}
        self.parameters = ParameterTracker()  # which values are the pipeline's parameters

    @contextlib.contextmanager
    def inlining(self, pipeline_name: str) -> Iterator[None]:
        """Steps called meanwhile belong to a pipeline called inside this one: their names
        (and ids) get its name as a prefix, ``inner-load``."""
        self._prefixes.append(pipeline_name)
        try:
            yield
        finally:
            self._prefixes.pop()

    def _prefixed(self, name: str) -> str:
        return "-".join([*self._prefixes, name])

    def __enter__(self) -> PipelineBuilder:
        self._token = _active.set(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _active.reset(self._token)

    def _unique_name(self, base: str) -> str:
        if base not in self._calls:
            return base
        number = self._next_number.get(base, 2)
        while f"{base}_{number}" in self._calls:
            number += 1
        self._next_number[base] = number + 1
        return f"{base}_{number}"

    def _invocation_name(self, step: BaseStep, given: Any) -> str:
        """``id=`` names this call (unique, or an error naming both calls); else the step's
        name, numbered from the second call on."""
        if given is None:
            return check_length("step", self._unique_name(self._prefixed(step.name)))
        if not isinstance(given, str):
            raise PipelineDefinitionError(
                f"step {step.name!r}: id= must be a string, got {type(given).__name__}"
            )
        given = self._prefixed(given)
        other = self._calls.get(given)
        if other is not None:
            raise PipelineDefinitionError(
                f"step id {given!r} is used twice: by a call of {other.source} and by a "
                f"call of {step.source}; give each call its own id"
            )
        return check_length("step", given)

    def _external(self, artifact: ExternalArtifact) -> str:
        """The spec's reference of an external artifact: its own, or for a value a token
        (``value:0``) the run replaces with the id of the artifact it writes."""
        if artifact.reference is not None:
            return artifact.reference
        for token, value in self.values.items():
            if value is artifact.value:
                return token  # the same value for several inputs: one artifact
        token = f"{VALUE_PREFIX}{len(self.values)}"
        self.values[token] = artifact.value
        return token

    def _after(self, name: str, given: Any) -> tuple[str, ...]:
        """The steps ``after=`` names: calls' outputs, ids (strings) or steps, one or a list."""
        items = given if isinstance(given, list | tuple) else [given]
        known = self._calls
        found: list[str] = []
        for item in items:
            if isinstance(item, StepOutput):
                before = item.step
            elif isinstance(item, StepOutputs):
                before = item._step
            elif isinstance(item, str) or callable(getattr(item, "entrypoint", None)):
                before = item if isinstance(item, str) else item.name  # an id, or a step
                if self._prefixed(before) in known:  # named inside an inlined pipeline
                    before = self._prefixed(before)
                if before not in known:
                    raise PipelineDefinitionError(
                        f"step {name!r}: after= names {before!r}, which is not a step called "
                        f"before it in this pipeline (steps so far: {', '.join(known) or 'none'})"
                    )
            else:
                raise PipelineDefinitionError(
                    f"step {name!r}: after= takes a step's output, a step or a step id, got "
                    f"{type(item).__name__}"
                )
            if before not in found:
                found.append(before)
        return tuple(found)

    def add(
        self, step: BaseStep, args: tuple[Any, ...], kwargs: dict[str, Any], *, mapped: bool = False
    ) -> Any:
        """Record one call of ``step``; with ``mapped`` (``step.map(...)``), the step runs once
        per item of the lists its step-output inputs carry."""
        positional = list(step.signature.parameters.parameters)[: len(args)]
        kwargs = {  # with_options(parameters=...) of a function step: defaults for this call
            **{k: v for k, v in step.call_defaults.items() if k not in positional},
            **kwargs,
        }
        after, when = kwargs.pop("after", None), kwargs.pop("when", None)
        name = self._invocation_name(step, kwargs.pop("id", None))
        after_steps = self._after(name, after) if after is not None else ()
        condition = _condition(name, when) if when is not None else None
        signature = step.signature
        try:
            bound = signature.parameters.bind(*args, **kwargs)
        except TypeError as exc:
            raise PipelineDefinitionError(f"step {name!r}: {exc}") from None
        bound.apply_defaults()
        overrides = dict(self.step_overrides.get(name, {}).get("parameters", {}))

        inputs: dict[str, InputSpec] = {}
        parameters: dict[str, Any] = {}
        mapped_inputs: list[str] = []
        for input_name, value in bound.arguments.items():
            expected = signature.input_types[input_name]
            if isinstance(value, unmapped):
                if not mapped:
                    raise PipelineDefinitionError(
                        f"step {name!r}: unmapped() is for step.map(...); pass the output as is"
                    )
                value = value.output
            elif mapped and isinstance(value, StepOutput):
                self._check_mapped(name, input_name, value, expected)
                inputs[input_name] = InputSpec(step=value.step, output=value.output)
                mapped_inputs.append(input_name)
                continue
            if isinstance(value, StepOutputs):
                raise PipelineDefinitionError(
                    f"step {name!r}: input {input_name!r} got all outputs of step "
                    f"{value._step!r}; pass one of them, e.g. .{value._names[0]}"
                )
            if isinstance(value, ExternalArtifact):
                inputs[input_name] = InputSpec(step="", output="", external=self._external(value))
                continue
            several = _output_list(value)
            if several is not None:
                inputs.update(self._fan_in(name, input_name, expected, several, overrides))
                continue
            if isinstance(value, StepOutput):
                if input_name in overrides:
                    raise PipelineDefinitionError(
                        f"step {name!r}: {input_name!r} is wired to step {value.step!r}; "
                        "only parameters can be set from configuration"
                    )
                if not is_compatible(value.annotation, expected):
                    raise PipelineDefinitionError(
                        f"step {name!r}: input {input_name!r} expects {type_name(expected)} but "
                        f"output {value.output!r} of step {value.step!r} is "
                        f"{type_name(value.annotation)}"
                    )
                inputs[input_name] = InputSpec(step=value.step, output=value.output)
            else:
                parameters[input_name] = value
        for key, value in overrides.items():
            if key not in parameters:
                known = ", ".join(parameters) or "none"
                raise PipelineDefinitionError(
                    f"step {name!r}: configuration sets unknown parameter {key!r} "
                    f"(parameters: {known})"
                )
            parameters[key] = value
        sources = {  # step parameters that are pipeline parameters as passed in
            key: found
            for key, value in parameters.items()
            if key not in overrides and (found := self.parameters.source(value)) is not None
        }
        checked = {}
        for key, value in parameters.items():
            checked[key] = check_parameter(name, key, value)
            expected = signature.input_types[key]
            if not value_matches(value, expected):
                given_by = "the configuration" if key in overrides else "the call"
                raise PipelineDefinitionError(
                    f"step {name!r}: parameter {key!r} is declared {describe_type(expected)}, "
                    f"but {given_by} gives {value!r} ({type(value).__name__})"
                )
        parameters = checked
        plugin_settings = merge_settings(
            self.settings, step.settings, self.step_overrides.get(name, {}).get("settings", {})
        )
        backends = {
            "training_backend": plugin_settings.pop("training_backend", step.USES_TRAINING_BACKEND),
            "processing_backend": plugin_settings.pop(
                "processing_backend", step.USES_PROCESSING_BACKEND
            ),
        }
        for key, wanted in backends.items():
            if not isinstance(wanted, bool):
                raise PipelineDefinitionError(
                    f"step {name!r}: settings[{key!r}] must be true or false, got {wanted!r}"
                )

        spec = StepSpec(
            name=name,
            source=step.source,
            parameters=parameters,
            inputs=inputs,
            outputs=self._outputs(name, step),
            settings=StepSettings(
                enable_cache=self._enable_cache(name, step),
                retries=step.retry[0],
                retry_delay=step.retry[1],
                retry_backoff=step.retry[2],
                timeout=step.timeout,
                resources=step.resources or ("memory" if holds_bulk_data(signature) else "light"),
                extra=check_parameter(name, "settings", plugin_settings),
                **backends,
            ),
            config=check_parameter(name, "parameters", step.config),
            after=after_steps,
            when=condition,
            mapped=tuple(mapped_inputs),
            parameter_sources=sources,
        )
        if mapped and not mapped_inputs:
            raise PipelineDefinitionError(
                f"step {name!r}: .map() needs at least one input that is a step's output (a "
                "list) to map over; call the step directly otherwise"
            )
        remember(spec.source, step.loadable)
        self.steps.append(spec)
        self._calls[name] = spec
        handles = {
            # a mapped step's output is the list of its items' outputs
            output: StepOutput(name, output, list[annotation] if mapped else annotation)  # type: ignore[valid-type]
            for output, annotation in signature.output_types.items()
        }
        if signature.output_tuple is not None or not handles:
            return StepOutputs(name, handles)  # none at all: still a handle for after=
        return next(iter(handles.values()))

    @staticmethod
    def _check_mapped(name: str, input_name: str, handle: StepOutput, expected: Any) -> None:
        """The output a mapped input maps over is a list of values the input takes."""
        item_type = list_item_type(handle.annotation)
        if item_type is None and is_dataset(handle.annotation):
            return  # a Dataset: mapped shard by shard, each a DataFrame
        if item_type is None and handle.annotation not in (list, Any):
            raise PipelineDefinitionError(
                f"step {name!r}: .map() maps over input {input_name!r}, but output "
                f"{handle.output!r} of step {handle.step!r} is {type_name(handle.annotation)}, "
                "not a list or a Dataset; wrap it in unmapped(...) to pass it whole to every item"
            )
        if item_type is not None and not is_compatible(item_type, expected):
            raise PipelineDefinitionError(
                f"step {name!r}: input {input_name!r} expects {type_name(expected)} but the "
                f"items of output {handle.output!r} of step {handle.step!r} are "
                f"{type_name(item_type)}"
            )

    def _fan_in(
        self,
        name: str,
        input_name: str,
        expected: Any,
        handles: list[StepOutput],
        overrides: Mapping[str, Any],
    ) -> dict[str, InputSpec]:
        """A list of several steps' outputs into an input annotated ``list[T]``: recorded as
        inputs ``name[0]``, ``name[1]``, ... and loaded back as one list, in order."""
        item_type = list_item_type(expected)
        if item_type is None:
            raise PipelineDefinitionError(
                f"step {name!r}: input {input_name!r} got a list of step outputs but is "
                f"declared {describe_type(expected)}; declare it list[...] to take several"
            )
        if input_name in overrides:
            raise PipelineDefinitionError(
                f"step {name!r}: {input_name!r} is wired to other steps; only parameters can be "
                "set from configuration"
            )
        wired = {}
        for index, handle in enumerate(handles):
            if not is_compatible(handle.annotation, item_type):
                raise PipelineDefinitionError(
                    f"step {name!r}: item {index} of input {input_name!r} expects "
                    f"{type_name(item_type)} but output {handle.output!r} of step "
                    f"{handle.step!r} is {type_name(handle.annotation)}"
                )
            wired[f"{input_name}[{index}]"] = InputSpec(step=handle.step, output=handle.output)
        return wired

    def _enable_cache(self, name: str, step: BaseStep) -> bool:
        value = self.step_overrides.get(name, {}).get("enable_cache", step.enable_cache)
        if not isinstance(value, bool):
            raise PipelineDefinitionError(f"step {name!r}: enable_cache must be true or false")
        return value

    def _outputs(self, name: str, step: BaseStep) -> dict[str, OutputSpec]:
        from zenml_core.materializers.registry import type_path

        types = step.signature.output_types
        unknown = set(step.materializers) - set(types)
        if unknown:
            raise PipelineDefinitionError(
                f"step {name!r}: materializers= names unknown output(s) "
                f"{', '.join(sorted(unknown))} (outputs: {', '.join(types) or 'none'})"
            )
        outputs = {}
        for output, annotation in types.items():
            check_length(f"step {name!r}: output", output)
            chosen = step.materializers.get(output)
            if chosen is not None and not isinstance(chosen, str):
                chosen = type_path(chosen)
            if chosen is None and isinstance(annotation, type) and annotation is not object:
                chosen = self.materializers.lookup(annotation)
            outputs[output] = OutputSpec(type=type_name(annotation), materializer=chosen)
        return outputs

    def spec(self, *, parameters: dict[str, Any], enable_cache: bool) -> PipelineSpec:
        if not self.steps:
            raise PipelineDefinitionError(f"pipeline {self.name!r} calls no steps")
        unknown = set(self.step_overrides) - {step.name for step in self.steps}
        if unknown:
            raise PipelineDefinitionError(
                f"pipeline {self.name!r}: configuration names unknown step(s) "
                f"{', '.join(sorted(unknown))} (steps: {', '.join(s.name for s in self.steps)})"
            )
        return PipelineSpec(
            name=self.name,
            steps=tuple(self.steps),
            parameters={k: check_parameter(self.name, k, v) for k, v in parameters.items()},
            enable_cache=enable_cache,
        )
