"""Property tests: configuration and pipeline specs survive their text forms unchanged, and
arbitrary input to the converter only ever fails with a ConfigError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zenml_core.config.converter import structure
from zenml_core.config.files import read_repository_config, write_repository_config
from zenml_core.config.models import ComponentConfig, RepositoryConfig, StackConfig
from zenml_core.errors import ConfigError
from zenml_core.pipelines.spec import (
    InputSpec,
    OutputSpec,
    PipelineSpec,
    StepSettings,
    StepSpec,
)
from zenml_core.stack.component import ComponentKind

names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,12}", fullmatch=True).filter(
    lambda n: ".." not in n
)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False)
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=10,
)


@st.composite
def repository_configs(draw: st.DrawFn) -> RepositoryConfig:
    components: dict[ComponentKind, dict[str, ComponentConfig]] = {}
    for kind in ComponentKind:
        components[kind] = draw(
            st.dictionaries(
                names,
                st.builds(
                    ComponentConfig,
                    flavor=names,
                    config=st.dictionaries(names, json_values, max_size=3),
                ),
                min_size=1 if kind.required else 0,
                max_size=3,
            )
        )

    def pick(kind: ComponentKind) -> Any:
        choices = sorted(components[kind])
        if kind.required:
            return st.sampled_from(choices)
        return st.none() | st.sampled_from(choices) if choices else st.none()

    stack = st.builds(
        StackConfig,
        artifact_store=pick(ComponentKind.ARTIFACT_STORE),
        metadata_store=pick(ComponentKind.METADATA_STORE),
        orchestrator=pick(ComponentKind.ORCHESTRATOR),
        processing_backend=pick(ComponentKind.PROCESSING_BACKEND),
        training_backend=pick(ComponentKind.TRAINING_BACKEND),
    )
    stacks = draw(st.dictionaries(names, stack, min_size=1, max_size=3))
    return RepositoryConfig(
        active_stack=draw(st.sampled_from(sorted(stacks))), stacks=stacks, components=components
    )


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(config=repository_configs())
def test_repository_config_round_trips_through_yaml(
    tmp_path: Path, config: RepositoryConfig
) -> None:
    path = tmp_path / "config.yaml"
    write_repository_config(path, config)
    assert read_repository_config(path) == config


@settings(max_examples=200)
@given(data=json_values)
def test_the_converter_fails_only_with_config_errors(data: Any) -> None:
    for cls in (RepositoryConfig, StackConfig, ComponentConfig):
        try:
            structure(data, cls, source="fuzz")
        except ConfigError as exc:
            assert str(exc).startswith("fuzz: ") and "\n" not in str(exc)


@st.composite
def pipeline_specs(draw: st.DrawFn) -> PipelineSpec:
    step_names = draw(st.lists(names, min_size=1, max_size=6, unique=True))
    steps: list[StepSpec] = []
    for name in step_names:
        outputs = draw(
            st.dictionaries(
                names,
                st.builds(OutputSpec, type=st.text(max_size=15), materializer=st.none() | names),
                max_size=3,
            )
        )
        wires = [(s.name, output) for s in steps for output in s.outputs]
        inputs = {}
        if wires:
            chosen = draw(st.lists(st.sampled_from(wires), max_size=3))
            inputs = {f"in{i}": InputSpec(step=s, output=o) for i, (s, o) in enumerate(chosen)}
        steps.append(
            StepSpec(
                name=name,
                source=draw(
                    st.from_regex(r"[a-z_]{1,8}(\.[a-z_]{1,8})?:[A-Za-z_]{1,8}", fullmatch=True)
                ),
                parameters=draw(st.dictionaries(names, json_values, max_size=3)),
                inputs=inputs,
                outputs=outputs,
                settings=StepSettings(enable_cache=draw(st.booleans())),
            )
        )
    return PipelineSpec(
        name=draw(names),
        steps=tuple(steps),
        parameters=draw(st.dictionaries(names, json_values, max_size=3)),
        enable_cache=draw(st.booleans()),
    )


@settings(max_examples=150)
@given(spec=pipeline_specs())
def test_pipeline_specs_round_trip_through_json(spec: PipelineSpec) -> None:
    assert PipelineSpec.from_json(spec.to_json()) == spec
