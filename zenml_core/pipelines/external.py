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

from typing import Any

from zenml_core.errors import PipelineDefinitionError


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
