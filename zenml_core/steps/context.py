"""What a running step can reach: its name, its run, and a place to log metadata.

::

    from zenml_core.steps import log_metadata

    @step
    def train(data: pd.DataFrame) -> Model:
        ...
        log_metadata(epochs=history, best_loss=0.12)   # recorded with the step run
"""

from __future__ import annotations

import contextvars
import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from attrs import define, field

from zenml_core.errors import StepContextError

if TYPE_CHECKING:
    from zenml_core.backends.processing import ProcessingSession

_current: contextvars.ContextVar[StepContext | None] = contextvars.ContextVar(
    "zenml_step_context", default=None
)


@define
class StepContext:
    """Set by the step runner while a step's code runs."""

    step_name: str
    run_id: str
    run_name: str
    metadata: dict[str, Any] = field(factory=dict)
    # log_metadata(..., artifact_name=OUTPUT): recorded with that output artifact
    artifact_metadata: dict[str, dict[str, Any]] = field(factory=dict)
    open_processing: Callable[[], ProcessingSession] | None = field(default=None, repr=False)
    _session: ProcessingSession | None = field(default=None, init=False, repr=False)

    @property
    def processing(self) -> ProcessingSession:
        """The step's processing session: the stack's processing backend for steps that ask
        for it (``settings={"processing_backend": True}``), otherwise one that runs shard
        functions here, one after another. Started on first use."""
        if self._session is None:
            if self.open_processing is None:
                from zenml_core.backends.processing import ProcessingSession

                self._session = ProcessingSession(None, {})
            else:
                self._session = self.open_processing()
        return self._session

    def close(self) -> None:
        """Stop what the step started (its processing session)."""
        if self._session is not None:
            session, self._session = self._session, None
            session.close()


def step_context() -> StepContext:
    """The context of the step running now (an error outside a step)."""
    context = _current.get()
    if context is None:
        raise StepContextError("no step is running: step_context() works only inside a step's code")
    return context


def log_metadata(
    metadata: Mapping[str, Any] | None = None, *, artifact_name: str | None = None, **values: Any
) -> None:
    """Record JSON values with the running step (later calls update earlier keys), given as
    keywords or, as ZenML users write it, as ``log_metadata(metadata={...})``; with
    ``artifact_name=OUTPUT``, with that output artifact of the step instead."""
    if metadata is not None:
        if not isinstance(metadata, Mapping):
            raise StepContextError(
                f"log_metadata(metadata=...) takes a dict of values, got {type(metadata).__name__}"
            )
        values = {**metadata, **values}
    context = step_context()
    for key, value in values.items():
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise StepContextError(
                f"step {context.step_name!r}: metadata {key!r} is not JSON ({exc}); log numbers, "
                "strings, lists or dicts"
            ) from None
    if artifact_name is None:
        context.metadata.update(values)
    else:
        context.artifact_metadata.setdefault(artifact_name, {}).update(values)


METRIC_SERIES = "metric_series"  # step metadata key: {metric name: [[step, value], ...]}


def log_metric(name: str, value: float, *, step: int | None = None) -> None:
    """One point of a metric series of the running step (a loss per epoch): run reports and
    the dashboard draw each series as a line; ``step`` defaults to the next index. The
    latest value is also recorded as metadata ``name``, so ``zenml runs diff`` compares it.

    The series is the step's metadata ``metric_series`` ({name: [[step, value], ...]}):
    ``log_metadata(metric_series=...)`` records the same."""
    import math

    context = step_context()
    try:
        number = float(value) if not isinstance(value, bool | str) else math.nan
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        raise StepContextError(
            f"step {context.step_name!r}: metric {name!r} must be a finite number, got {value!r}"
        )
    value = int(number) if isinstance(value, int) else number  # numpy scalars as plain numbers
    series = context.metadata.setdefault(METRIC_SERIES, {}).setdefault(name, [])
    series.append([len(series) if step is None else int(step), value])
    context.metadata[name] = value


class running:
    """``with running(context): ...`` makes ``context`` the current step context."""

    def __init__(self, context: StepContext) -> None:
        self.context = context

    def __enter__(self) -> StepContext:
        self._token = _current.set(self.context)
        return self.context

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._token)
