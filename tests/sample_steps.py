"""Steps and pipelines at module level, as users write them (imported by the pipeline tests)."""

from __future__ import annotations

import threading
import time
from typing import NamedTuple

from zenml_core.pipelines import pipeline
from zenml_core.steps import BaseStep, step
from zenml_core.testing import calls

CALLS = calls.CALLS  # what the tests read; steps write through calls.record
SCALE = 10


def scaled(value: int) -> int:
    return value * SCALE


@step
def numbers(count: int = 4) -> list[int]:
    calls.record("numbers")
    return list(range(count))


class Halves(NamedTuple):
    even: list[int]
    odd: list[int]


@step
def halves(values: list[int]) -> Halves:
    calls.record("halves")
    return Halves(values[::2], values[1::2])


@step
def total(values: list[int], offset: int = 0) -> int:
    calls.record("total")
    return scaled(sum(values)) + offset


@step
def describe(value: int) -> str:
    return f"value={value}"


class Doubler(BaseStep):
    """A class-based step."""

    def entrypoint(self, values: list[int], factor: int = 2) -> list[int]:
        calls.record("doubler")
        return [v * factor for v in values]


class Pair(NamedTuple):
    low: int
    high: int


class Bounds(BaseStep):
    def entrypoint(self, values: list[int]) -> Pair:
        return Pair(min(values), max(values))


@pipeline
def arithmetic(offset: int = 0):
    values = numbers()
    parts = halves(values)
    total(parts.even, offset=offset)
    total(Doubler()(parts.odd), offset=offset)


@step
def explode(values: list[int]) -> int:
    raise ValueError("no odd numbers allowed")


@pipeline
def half_broken():
    values = numbers()
    parts = halves(values)
    bad = explode(parts.odd)
    describe(bad)
    total(parts.even)


BARRIER = threading.Barrier(2, timeout=10)


@step(enable_cache=False)
def wait_for_partner(name: str) -> str:
    BARRIER.wait()  # only returns once the other branch is running at the same time
    return name


@pipeline
def side_by_side():
    wait_for_partner(name="left")
    wait_for_partner(name="right")


WIDE = threading.Barrier(8, timeout=10)
HEAVY = {"now": 0, "most": 0}
HEAVY_LOCK = threading.Lock()


@step(enable_cache=False)
def wait_for_seven_others(index: int) -> int:
    WIDE.wait()  # returns only when eight of these run at once (on any number of cores)
    return index


@step(enable_cache=False, resources="cpu")
def crunch(index: int) -> int:
    with HEAVY_LOCK:
        HEAVY["now"] += 1
        HEAVY["most"] = max(HEAVY["most"], HEAVY["now"])
    time.sleep(0.05)
    with HEAVY_LOCK:
        HEAVY["now"] -= 1
    return index


@pipeline
def light_and_heavy():
    for index in range(8):
        wait_for_seven_others(index)
        crunch(index)


class Opaque:
    """A type no materializer handles: stored with the pickle fallback."""

    def __init__(self, value: int) -> None:
        self.value = value


@step
def opaque() -> Opaque:
    return Opaque(7)


@pipeline
def opaque_pipeline():
    opaque()
