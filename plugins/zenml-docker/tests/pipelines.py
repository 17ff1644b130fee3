"""Pipelines the Docker tests run (copied into each test project)."""

import os
import time
from pathlib import Path
from typing import NamedTuple

from zenml_core.pipelines import pipeline
from zenml_core.steps import step


@step
def source(count: int = 6) -> list[int]:
    print(f"making {count} numbers")
    return list(range(count))


class Halves(NamedTuple):
    left: list[int]
    right: list[int]


@step
def split(values: list[int]) -> Halves:
    middle = len(values) // 2
    return Halves(values[:middle], values[middle:])


@step
def square(values: list[int]) -> list[int]:
    return [v * v for v in values]


@step
def negate(values: list[int]) -> list[int]:
    return [-v for v in values]


@step
def join(a: list[int], b: list[int]) -> dict[str, int]:
    return {"sum": sum(a) + sum(b), "count": len(a) + len(b)}


@pipeline
def diamond(count: int = 6):
    parts = split(source(count=count))
    join(square(parts.left), negate(parts.right))


@step
def explode(values: list[int]) -> int:
    raise RuntimeError("this step always fails")


@step
def hard_exit(values: list[int]) -> int:
    print("about to vanish")
    os._exit(3)


@step
def after(value: int) -> int:
    return value


@pipeline
def failing():
    values = source()
    after(explode(values))
    square(values)


@pipeline
def vanishing():
    hard_exit(source())


@step(
    enable_cache=False,
    settings={"docker": {"volumes": ["SHARED:/shared"], "memory": "256m", "cpus": 1.0}},
)
def meet(name: str, other: str) -> str:
    Path(f"/shared/{name}").touch()
    deadline = time.monotonic() + 60
    while not Path(f"/shared/{other}").exists():  # only possible if both run at once
        if time.monotonic() > deadline:
            raise TimeoutError(f"{other} never started")
        time.sleep(0.05)
    return name


@pipeline
def together():
    meet(name="a", other="b")
    meet(name="b", other="a")


@step(settings={"docker": {"environment": {"GREETING": "hello from the step settings"}}})
def environment() -> str:
    return os.environ.get("GREETING", "") + " / " + os.environ.get("SHARED_SETTING", "")


@pipeline
def configured():
    environment()


@step(enable_cache=False)
def nap(values: list[int]) -> int:
    print("napping", flush=True)
    time.sleep(120)
    return len(values)


@pipeline
def napping():
    nap(source())
