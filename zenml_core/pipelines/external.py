"""``ExternalArtifact``: an artifact that already exists, passed into a step as an input.

::

    @pipeline
    def evaluate_again():
        evaluate(model=ExternalArtifact("latest/train/model"), data=load())

The reference is an artifact id or ``RUN/STEP/OUTPUT`` (any run reference ``zenml runs show``
takes); a run resolves it to the artifact's id when it starts and records that id in its spec,
so the run reads exactly that artifact and is cached by its content like any input.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from zenml_core.errors import PipelineDefinitionError

if TYPE_CHECKING:
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack


class ExternalArtifact:
    """An existing artifact by id or ``RUN/STEP/OUTPUT`` reference. Passing a value (an array,
    a frame) is not supported yet: return it from a step instead."""

    __slots__ = ("reference",)

    def __init__(self, reference: int | str | None = None, *, value: Any = None) -> None:
        if value is not None or reference is None:
            raise PipelineDefinitionError(
                "ExternalArtifact takes an existing artifact's id or RUN/STEP/OUTPUT; a value "
                "cannot be passed yet: return it from a step and wire that output instead"
            )
        self.reference = str(reference)

    def __repr__(self) -> str:
        return f"ExternalArtifact({self.reference!r})"


def resolve_external_artifacts(
    spec: PipelineSpec, stack: Stack, plugins: PluginManager
) -> PipelineSpec:
    """``spec`` with every external input's reference replaced by its artifact's id (an
    unknown reference fails here, before anything runs)."""
    from attrs import evolve

    from zenml_core.client import Client

    if not any(w.external for s in spec.steps for w in s.inputs.values()):
        return spec
    client = Client(stack=stack, plugins=plugins)
    steps = []
    for step in spec.steps:
        inputs = {}
        for name, wire in step.inputs.items():
            if wire.external:
                found = client.artifact(wire.external)
                wire = evolve(wire, external=str(found.id))
            inputs[name] = wire
        steps.append(evolve(step, inputs=inputs))
    return evolve(spec, steps=tuple(steps))
