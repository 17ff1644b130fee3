"""Pipelines the orchestrator conformance suite runs.

They live in zenml-core itself so that every place a step may run (a container, a remote job)
can import them: only zenml-core needs to be installed there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import NamedTuple

from zenml_core.pipelines import pipeline
from zenml_core.steps import log_metadata, step


@step
def numbers(count: int = 6) -> list[int]:
    return list(range(count))


@step
def add(values: list[int], amount: int = 1) -> list[int]:
    return [v + amount for v in values]


@step
def total(values: list[int]) -> int:
    log_metadata(count=len(values))
    return sum(values)


class Parts(NamedTuple):
    low: list[int]
    high: list[int]


@step
def halves(values: list[int]) -> Parts:
    middle = len(values) // 2
    return Parts(values[:middle], values[middle:])


@step
def combine(a: list[int], b: list[int]) -> dict[str, int]:
    return {"a": sum(a), "b": sum(b)}


@pipeline
def linear(count: int = 6) -> None:
    total(add(add(numbers(count=count)), amount=10))


@pipeline
def diamond(count: int = 6) -> None:
    parts = halves(numbers(count=count))
    combine(add(parts.low, amount=100), add(parts.high, amount=-100))


@pipeline
def wide(width: int = 5) -> None:
    values = numbers()
    for index in range(width):
        total(add(values, amount=index))


@step
def fail(values: list[int]) -> int:
    raise RuntimeError("conformance: this step fails on purpose")


@step
def double(value: int) -> int:
    return 2 * value


@pipeline
def failing() -> None:
    values = numbers()
    total(add(values))  # independent of the failure: must complete
    double(fail(values))  # depends on the failure: must be skipped


@pipeline
def mapped(count: int = 4) -> None:
    """``step.map``: one ``double`` per number, run as the orchestrator starts steps (or
    inside the mapped step's task), collected by ``total``."""
    total(double.map(numbers(count)))


#: How each step of ``failing`` ends where every branch that can run does.
FAILING_STATUSES = {
    "numbers": "completed", "add": "completed", "total": "completed", "fail": "failed",
    "double": "skipped",
}  # fmt: skip


@step(enable_cache=False)
def meet(folder: str, me: str, other: str) -> str:
    """Wait until ``other`` has arrived too: completes only if both run at the same time."""
    Path(folder, me).touch()
    seconds = float(os.environ.get("ZENML_CONFORMANCE_TIMEOUT", "60"))
    deadline = time.monotonic() + seconds
    while not Path(folder, other).exists():
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{other} never ran beside {me} within {seconds:g} s; an orchestrator that runs "
                "one step at a time sets parallel_steps = False on its conformance test class"
            )
        time.sleep(0.02)
    return me


@pipeline
def parallel(folder: str) -> None:
    meet(folder=folder, me="left", other="right")
    meet(folder=folder, me="right", other="left")


@step(settings={"training_backend": True})
def fit(values: list[int], fail: bool = False) -> dict[str, float]:
    """Stands in for training on a training backend: a "model" fitted to the values."""
    if fail:
        raise ValueError("conformance: training failed on purpose")
    return {"mean": sum(values) / len(values), "spread": float(max(values) - min(values))}


@step
def score(model: dict[str, float]) -> float:
    return model["mean"] / (model["spread"] or 1.0)


@pipeline
def training(count: int = 6, fail: bool = False) -> None:
    """For training backends: ``fit`` asks for the backend, ``numbers`` and ``score`` do not."""
    score(fit(numbers(count=count), fail=fail))
