"""``ExternalArtifact``: an existing artifact, or a value, passed into a step as an input.

::

    @pipeline
    def evaluate_again():
        evaluate(model=ExternalArtifact("latest/train/model"), data=ExternalArtifact(frame))

A reference is an artifact id or ``RUN/STEP/OUTPUT`` (any run reference ``zenml runs show``
takes); a run resolves it to the artifact's id when it starts and records that id in its spec,
so the run reads exactly that artifact and is cached by its content like any input. A value
(an array, a frame: anything a materializer can write) is written once when the run starts,
as an artifact no step produced, and recorded the same way.
"""

from __future__ import annotations

from typing import Any

from zenml_core.errors import PipelineDefinitionError

_NO_VALUE = object()
VALUE_PREFIX = "value:"  # what a spec holds for a value until a run writes it


class ExternalArtifact:
    """An existing artifact (an id, or ``RUN/STEP/OUTPUT``), or ``value``: given positionally,
    an int or a str is taken as a reference and anything else as a value; ``value=`` is
    always a value."""

    __slots__ = ("reference", "value")

    def __init__(self, reference_or_value: Any = _NO_VALUE, *, value: Any = _NO_VALUE) -> None:
        given = reference_or_value
        if (given is _NO_VALUE) == (value is _NO_VALUE):
            raise PipelineDefinitionError(
                "ExternalArtifact takes one thing: an existing artifact's id or RUN/STEP/OUTPUT, "
                "or value=... to pass a value in as an artifact"
            )
        is_reference = value is _NO_VALUE and isinstance(given, int | str)
        is_reference = is_reference and not isinstance(given, bool)
        self.reference = str(given) if is_reference else None
        self.value = None if is_reference else (given if value is _NO_VALUE else value)

    def __repr__(self) -> str:
        if self.reference is not None:
            return f"ExternalArtifact({self.reference!r})"
        return f"ExternalArtifact(value=<{type(self.value).__name__}>)"
