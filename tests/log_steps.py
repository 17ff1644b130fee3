"""Steps that print and log, for the step-log tests."""

from __future__ import annotations

import logging
import sys
import time
import warnings
from pathlib import Path

from zenml_core import pipeline, step

logger = logging.getLogger("log_steps")
ATTEMPTS: list[int] = []


@step
def chatty(secret: str = "") -> int:
    print("hello from chatty")
    print("the secret is", secret)
    print("no newline at the end", end="")
    sys.stderr.write("to stderr\n")
    logger.warning("a warning record")
    warnings.warn("a Python warning", UserWarning, stacklevel=1)
    return 1


@step
def quiet(value: int) -> int:
    return value + 1


@step
def crash() -> int:
    print("about to fail")
    raise RuntimeError("boom")


@step(retries=1, retry_delay=0)
def flaky() -> int:
    ATTEMPTS.append(1)
    print(f"attempt {len(ATTEMPTS)}")
    if len(ATTEMPTS) == 1:
        raise RuntimeError("first attempt fails")
    return 2


@step(timeout=1)
def sleepy() -> int:
    print("going to sleep", flush=True)
    time.sleep(30)
    return 3


@step
def side(label: str) -> str:
    Path(f"{label}.ready").touch()  # both steps print at the same time, a line at a time
    deadline = time.monotonic() + 10
    while len(list(Path().glob("*.ready"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    for index in range(3):
        print(f"{label} line {index}")
        time.sleep(0.02)
    return label


@pipeline
def chatter(secret: str = ""):
    quiet(chatty(secret=secret))


@pipeline
def crashing():
    crash()


@pipeline
def retried():
    flaky()


@pipeline
def timed_out():
    sleepy()


@pipeline
def side_by_side():
    side(label="left")
    side(label="right")
