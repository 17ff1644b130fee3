"""Capturing pipelines: the spec, its JSON, and one-line errors naming the step."""

from __future__ import annotations

from typing import Any

import pytest
import sample_steps
from sample_steps import arithmetic, halves, numbers, total

from zenml_core.errors import PipelineDefinitionError, StepDefinitionError
from zenml_core.pipelines import pipeline
from zenml_core.pipelines.config import RunConfig, StepRunConfig
from zenml_core.pipelines.spec import PipelineSpec
from zenml_core.plugin.manager import PluginManager
from zenml_core.steps import step


def test_the_spec_captures_steps_wiring_parameters_and_outputs(plugins: PluginManager) -> None:
    spec = arithmetic.compile(plugins=plugins, offset=5)
    assert [s.name for s in spec.steps] == ["numbers", "halves", "total", "Doubler", "total_2"]
    assert spec.parameters == {"offset": 5}
    first_total = spec.step("total")
    assert first_total.source == "sample_steps:total"
    assert first_total.parameters == {"offset": 5}
    assert {k: (v.step, v.output) for k, v in first_total.inputs.items()} == {
        "values": ("halves", "even")
    }
    assert spec.step("Doubler").source == "sample_steps:Doubler"
    assert spec.step("Doubler").parameters == {"factor": 2}
    assert spec.step("total_2").inputs["values"].step == "Doubler"
    outputs = spec.step("halves").outputs
    assert list(outputs) == ["even", "odd"]
    assert outputs["even"].type == "list[int]"
    assert spec.step("total").outputs["output"].type == "builtins:int"
    assert spec.step("total").outputs["output"].materializer.endswith("JSONMaterializer")
    assert spec.step("numbers").parameters == {"count": 4}  # defaults are recorded


def test_the_spec_round_trips_through_json(plugins: PluginManager) -> None:
    spec = arithmetic.compile(plugins=plugins)
    assert PipelineSpec.from_json(spec.to_json()) == spec
    assert spec.downstream()["halves"] == ["total", "Doubler"]


def test_a_hand_edited_spec_is_checked(plugins: PluginManager) -> None:
    data = arithmetic.compile(plugins=plugins).to_dict()
    data["steps"][0]["inputs"] = {"x": {"step": "total", "output": "output"}}
    with pytest.raises(
        PipelineDefinitionError,
        match="reads step 'total', which comes later: the steps form a cycle",
    ):
        PipelineSpec.from_dict(data)
    data["steps"][0]["inputs"] = {"x": {"step": "nowhere", "output": "output"}}
    with pytest.raises(PipelineDefinitionError, match="reads step 'nowhere', unknown"):
        PipelineSpec.from_dict(data)
    data["steps"][0]["inputs"] = {}
    data["steps"][1]["inputs"]["values"]["output"] = "nope"
    with pytest.raises(
        PipelineDefinitionError, match="output 'nope' that step 'numbers' does not have"
    ):
        PipelineSpec.from_dict(data)
    data["version"] = 7
    with pytest.raises(PipelineDefinitionError, match="spec version 7"):
        PipelineSpec.from_dict(data)


def compile_error(function: Any, plugins: PluginManager, **kwargs: Any) -> str:
    with pytest.raises((PipelineDefinitionError, StepDefinitionError)) as caught:
        pipeline(function).compile(plugins=plugins, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_an_incompatible_type_is_refused(plugins: PluginManager) -> None:
    def wrong():
        sample_steps.describe(numbers())

    assert compile_error(wrong, plugins) == (
        "step 'describe': input 'value' expects builtins:int but output 'output' of step "
        "'numbers' is list[int]"
    )


def test_a_missing_input_is_refused(plugins: PluginManager) -> None:
    def missing():
        total()

    assert compile_error(missing, plugins) == "step 'total': missing a required argument: 'values'"


def test_an_unserialisable_parameter_is_refused(plugins: PluginManager) -> None:
    def bad_parameter():
        total(numbers(), offset={1, 2})

    assert "step 'total': parameter 'offset' (set) cannot be serialised to JSON" in compile_error(
        bad_parameter, plugins
    )


def test_an_unknown_output_is_refused(plugins: PluginManager) -> None:
    def unknown_output():
        total(halves(numbers()).evn)

    assert compile_error(unknown_output, plugins) == (
        "step 'halves' has no output 'evn' (outputs: even, odd)"
    )


def test_all_outputs_at_once_is_refused(plugins: PluginManager) -> None:
    def all_outputs():
        total(halves(numbers()))

    assert "got all outputs of step 'halves'; pass one of them, e.g. .even" in compile_error(
        all_outputs, plugins
    )


def test_an_unresolvable_annotation_is_refused(plugins: PluginManager) -> None:
    @step
    def strange(value: NotDefinedAnywhere) -> int:  # type: ignore[name-defined]  # noqa: F821
        return 1

    def uses_it():
        strange(numbers())

    message = compile_error(uses_it, plugins)
    assert message.startswith("step 'strange': cannot resolve a type annotation")
    assert "NotDefinedAnywhere" in message


def test_var_args_are_refused(plugins: PluginManager) -> None:
    @step
    def variadic(*values: int) -> int:
        return sum(values)

    def uses_it():
        variadic(1, 2)

    assert "*values is not supported" in compile_error(uses_it, plugins)


def test_steps_called_outside_a_pipeline_say_what_to_do() -> None:
    with pytest.raises(
        PipelineDefinitionError, match=r"call step.entrypoint\(\.\.\.\) to run its code"
    ):
        numbers()
    assert numbers.entrypoint(count=2) == [0, 1]


def test_pipeline_parameters_are_checked(plugins: PluginManager) -> None:
    with pytest.raises(
        PipelineDefinitionError,
        match="pipeline 'arithmetic': got an unexpected keyword argument 'ofset'",
    ):
        arithmetic.compile(plugins=plugins, ofset=1)


def test_an_empty_pipeline_is_refused(plugins: PluginManager) -> None:
    assert compile_error(lambda: None, plugins) == "pipeline '<lambda>' calls no steps"


def test_configuration_sets_parameters_and_cache_per_step(plugins: PluginManager) -> None:
    config = RunConfig(
        parameters={"offset": 1},
        enable_cache=False,
        steps={"numbers": StepRunConfig(parameters={"count": 9}, enable_cache=False)},
    )
    spec = arithmetic.compile(config=config, plugins=plugins)
    assert spec.parameters == {"offset": 1} and spec.enable_cache is False
    assert spec.step("numbers").parameters == {"count": 9}
    assert spec.step("numbers").settings.enable_cache is False
    with pytest.raises(
        PipelineDefinitionError,
        match=r"configuration sets unknown parameter 'cnt' \(parameters: count\)",
    ):
        arithmetic.compile(
            config=RunConfig(steps={"numbers": StepRunConfig(parameters={"cnt": 1})}),
            plugins=plugins,
        )
    with pytest.raises(PipelineDefinitionError, match="configuration names unknown step"):
        arithmetic.compile(config=RunConfig(steps={"nmbers": StepRunConfig()}), plugins=plugins)


def test_class_steps_follow_the_same_signature_rules(plugins: PluginManager) -> None:
    def uses_it():
        bounds = sample_steps.Bounds(name="bounds", enable_cache=False)(numbers())
        sample_steps.describe(bounds.high)

    spec = pipeline(uses_it).compile(plugins=plugins)
    assert list(spec.step("bounds").outputs) == ["low", "high"]
    assert spec.step("bounds").settings.enable_cache is False
