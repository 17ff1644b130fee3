"""Steps written the way ZenML users write them (see test_idioms.py)."""

from __future__ import annotations

from typing import Annotated, NamedTuple

import numpy as np
import pandas as pd

from zenml_core import log_metadata, pipeline, step, unmapped


@step
def divide(a: int = 7, b: int = 2) -> tuple[Annotated[int, "quotient"], Annotated[int, "rest"]]:
    return a // b, a % b


@step
def answer() -> Annotated[int, "answer"]:
    return 42


@step
def pair() -> tuple[int, str]:
    return 1, "x"


@step
def many() -> tuple[int, ...]:
    return (1, 2, 3)


class Tally(NamedTuple):
    count: int
    index: int


@step
def tally() -> Tally:
    return Tally(3, 4)


@step
def add(x: int, y: int) -> int:
    log_metadata(metadata={"x": x, "y": y})
    return x + y


@pipeline
def idioms() -> None:
    quotient, rest = divide()
    counted = tally()
    number, _ = pair()
    add(add(quotient, rest), add(counted.count, counted.index))
    add(answer(), number)
    many()


@step
def write_marker(path: str, text: str, delay: float = 0.0) -> None:
    import time

    time.sleep(delay)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")


@pipeline
def ordered(path: str) -> None:
    """``reader`` reads what the writers wrote to a file, not their outputs: after= orders it."""
    slow = write_marker(path, "slow", delay=0.5, id="slow_writer")
    fast = write_marker(path, "fast", id="fast_writer")
    write_marker(path, "last", id="reader", after=[slow, "fast_writer"])
    _ = fast


@pipeline
def halving(a: int = 8) -> int:
    quotient, _ = divide(a=a, b=2)
    return add(quotient, quotient)  # type: ignore[no-any-return]


@pipeline
def composed() -> None:
    first = halving(a=10)
    second = halving(a=20)
    add(first, second, id="total")


@step
def score(seed: int) -> float:
    return seed / 10


@step
def best(scores: list[float]) -> float:
    return max(scores)


@pipeline
def fan_in() -> None:
    best([score(seed=seed) for seed in (3, 9, 5)])


HEARD: list[str] = []  # what the hooks below were told


def heard_failure(exception: BaseException) -> None:
    from zenml_core import step_context

    HEARD.append(f"{step_context().step_name} failed: {exception}")


def heard_success() -> None:
    from zenml_core import step_context

    HEARD.append(f"{step_context().step_name} succeeded")


def broken_hook() -> None:
    raise RuntimeError("the hook itself broke")


@step(on_failure=heard_failure, on_success=heard_success)
def watched(fail: bool = False) -> int:
    if fail:
        raise ValueError("bad input")
    return 1


@step(on_success=broken_hook)
def badly_watched() -> int:
    return 2


def run_finished(run: object) -> None:
    HEARD.append(f"run {getattr(run, 'status', '?')}")


def run_failed(exception: BaseException, run: object) -> None:
    HEARD.append(f"run {getattr(run, 'status', '?')}: {type(exception).__name__}")


@pipeline(on_success=run_finished, on_failure=run_failed, enable_cache=False)
def watching(fail: bool = False) -> None:
    watched(fail=fail)
    badly_watched()


@step
def accuracy(value: float = 0.9) -> float:
    return value


@step
def good_enough(score: float, threshold: float = 0.8) -> bool:
    return score >= threshold


def above_half(score: float) -> bool:
    return score > 0.5


@step
def deploy(score: float) -> str:
    return f"deployed at {score}"


@pipeline(enable_cache=False)
def gated(value: float = 0.9) -> None:
    score = accuracy(value=value)
    released = deploy(score, when=good_enough(score), id="release")
    answer(after=released, id="announce")  # a dependant: skipped with it
    deploy(score, when=(score, above_half), id="canary")


FLAKY: dict[str, int] = {"calls": 0}


@step(retries=2, retry_delay=0.01, retry_backoff=2, enable_cache=False)
def flaky(failures: int = 2) -> int:
    FLAKY["calls"] += 1
    if FLAKY["calls"] <= failures:
        raise ConnectionError(f"attempt {FLAKY['calls']} lost the connection")
    return FLAKY["calls"]


@pipeline
def retrying(failures: int = 2) -> None:
    flaky(failures=failures)


@step
def trained(rows: int = 10) -> Annotated[list[int], "model"]:
    log_metadata(metadata={"rows": rows}, artifact_name="model")
    log_metadata(metadata={"took_s": 0.1})
    return list(range(rows))


@step
def mislabelled() -> int:
    log_metadata(metadata={"x": 1}, artifact_name="nope")
    return 1


@step
def numbers(count: int = 3) -> list[int]:
    return list(range(1, count + 1))


@step
def scaled(number: int, factor: int, label: str = "x") -> str:
    if number < 0:
        raise ValueError(f"cannot scale {number}")
    return f"{label}{number * factor}"


@step
def joined(parts: list[str]) -> str:
    return ",".join(parts)


@pipeline
def mapping(count: int = 3, factor: int = 10) -> None:
    """One ``scaled`` per number; the factor comes from a step, passed whole to each item."""
    parts = scaled.map(number=numbers(count), factor=unmapped(add(factor, 0)), label="n")
    joined(parts)


@step
def pairs() -> tuple[Annotated[list[int], "lefts"], Annotated[list[str], "rights"]]:
    return [1, 2], ["a", "b"]


@step
def glue(left: int, right: str) -> str:
    return f"{right}{left}"


@step
def shout(text: str) -> str:
    return text.upper()


@pipeline
def chained_maps() -> None:
    """Two lists zipped into one map, and a map over a map's outputs."""
    lefts, rights = pairs()
    joined(shout.map(glue.map(left=lefts, right=rights)))


@step
def signed() -> list[int]:
    return [1, -1, 2]


@step(timeout=1, retries=1, enable_cache=False)
def slow(seconds: float = 0.0) -> int:
    import os
    import time

    log_metadata(metadata={"pid": os.getpid()})
    if seconds < 0:
        raise KeyError("negative")
    time.sleep(seconds)
    return 7


@pipeline
def timed(seconds: float = 0.0) -> None:
    slow(seconds)


@step
def weigh(values: np.ndarray, factor: int) -> float:
    return float(values.sum() * factor)


@step
def rows(frame: pd.DataFrame) -> int:
    return len(frame)


@step
def total_rows(counts: list[int]) -> int:
    return sum(counts)
