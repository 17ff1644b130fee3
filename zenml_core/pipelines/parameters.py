"""Which step parameters are pipeline parameters passed on as they are.

While a pipeline function runs, its parameters carry their name: numbers and strings as
instances of a subclass (arithmetic on them gives plain values, which are not the parameter
any more), lists and dicts by identity. A step parameter given one of them records where it
came from (``StepSpec.parameter_sources``), so an orchestrator with runtime parameters
(Kubeflow, Vertex) declares it as a pipeline input and a value set at submission reaches the
step. Booleans cannot be subclassed: they are not tracked, and stay fixed at compile time.
"""

from __future__ import annotations

from typing import Any


class _TrackedInt(int):
    pipeline_parameter: str


class _TrackedFloat(float):
    pipeline_parameter: str


class _TrackedStr(str):
    pipeline_parameter: str


_TRACKED = {int: _TrackedInt, float: _TrackedFloat, str: _TrackedStr}


class ParameterTracker:
    """Tags a pipeline's parameters for one build and tells which a value is."""

    def __init__(self) -> None:
        self._by_identity: dict[int, tuple[str, Any]] = {}  # id -> (name, the object itself)

    def tag(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """The arguments to call the pipeline function with, each carrying its name."""
        tagged = {}
        for name, value in arguments.items():
            kind = _TRACKED.get(type(value))
            if kind is not None:
                value = kind(value)
                value.pipeline_parameter = name
            elif isinstance(value, list | dict):
                self._by_identity[id(value)] = (name, value)  # the object kept: ids stay unique
            tagged[name] = value
        return tagged

    def source(self, value: Any) -> str | None:
        """The pipeline parameter ``value`` is, if it is one as passed in."""
        if isinstance(value, _TrackedInt | _TrackedFloat | _TrackedStr):
            return value.pipeline_parameter
        found = self._by_identity.get(id(value))
        return found[0] if found is not None and found[1] is value else None
