"""Pipeline benchmarks: per-step overhead, cached re-runs, large artifact hand-off, parallelism.

Each figure is printed beside its floor (the same work without zenml, where one exists) and
the target from the issue that set it.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import Pipeline, pipeline
from zenml_core.plugin.manager import create_plugin_manager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack
from zenml_core.steps import step

QUIET = Reporter(quiet=True)
# Where the scratch repositories go; see README.md (file creation in /tmp and /work is slow on
# the project's machine, /var/tmp is not).
SCRATCH = os.environ.get("ZENML_BENCH_SCRATCH") or (
    "/var/tmp" if Path("/var/tmp").is_dir() else None
)
ARRAY = np.random.default_rng(0).random(100 * 1024 * 1024 // 8)  # 100 MiB of float64
FRAME = pd.DataFrame(
    np.random.default_rng(1).random((1_000_000, 10)), columns=[f"c{i}" for i in range(10)]
)


@step
def increment(value: int) -> int:
    return value + 1


@step
def start() -> int:
    return 0


def chain(length: int) -> Pipeline:
    def body() -> None:
        value = start()
        for _ in range(length - 1):
            value = increment(value)

    return Pipeline(body, name=f"chain_{length}")


@step
def positive(value: int) -> bool:
    return value >= 0


def ordered_chain(length: int) -> Pipeline:
    """The chain, each step also ordered ``after=`` the one before and run ``when=`` the
    first step's output holds (the compile-time cost of ordering and conditions)."""

    def body() -> None:
        first = start()
        flag = positive(first)
        value = first
        for _ in range(length - 2):
            value = increment(value, after=value, when=flag)

    return Pipeline(body, name=f"ordered_chain_{length}")


@step
def count_up(length: int) -> list[int]:
    return list(range(length))


def fan_out() -> Pipeline:
    """``increment.map`` over a list of ``length`` numbers: one step run per item."""

    def body(length: int = 1000) -> None:
        increment.map(count_up(length))

    return Pipeline(body, name="fan_out")


def map_cost(repeat: int, length: int = 1000) -> tuple[float, float]:
    """Milliseconds per item of a map over ``length`` items on a fresh store (every item
    runs), and per item when one item is added (the others come from the cache)."""
    fresh, added = [], []
    target = fan_out()
    for _ in range(max(1, repeat // 2)):
        scratch = Scratch()
        try:
            began = time.perf_counter()
            target.run(stack=scratch.stack, plugins=scratch.plugins, reporter=QUIET, length=length)
            fresh.append(time.perf_counter() - began)
            began = time.perf_counter()
            target.run(
                stack=scratch.stack, plugins=scratch.plugins, reporter=QUIET, length=length + 1
            )
            added.append(time.perf_counter() - began)
        finally:
            scratch.close()
    return min(fresh) / length * 1000, min(added) / (length + 1) * 1000


def compile_cost(repeat: int, length: int = 1000) -> tuple[float, float]:
    """Median milliseconds to compile a chain of ``length`` steps, plain and with after=/when=."""
    from zenml_core.plugin.manager import create_plugin_manager

    plugins = create_plugin_manager(autoload=False)
    plain, ordered = chain(length), ordered_chain(length)
    return (
        median_of(repeat, lambda: _timed(lambda: plain.compile(plugins=plugins))),
        median_of(repeat, lambda: _timed(lambda: ordered.compile(plugins=plugins))),
    )


@step
def make_array() -> np.ndarray:
    return ARRAY


@step
def array_length(array: np.ndarray) -> int:
    return int(array.shape[0])


@step
def make_frame() -> pd.DataFrame:
    return FRAME


@step
def frame_rows(frame: pd.DataFrame) -> int:
    return len(frame)


@step
def tiny() -> int:
    return 1


@step
def tiny_consumer(value: int) -> int:
    return value


@step(enable_cache=False)
def sleep_one_second(label: str) -> str:
    time.sleep(1.0)
    return label


@pipeline(enable_cache=False)
def array_handoff() -> None:
    array_length(make_array())


@pipeline(enable_cache=False)
def frame_handoff() -> None:
    frame_rows(make_frame())


@pipeline(enable_cache=False)
def tiny_handoff() -> None:
    tiny_consumer(tiny())


@pipeline
def two_sleepers() -> None:
    sleep_one_second(label="a")
    sleep_one_second(label="b")


@step
def nap(seconds: float, branch: int) -> int:
    time.sleep(seconds)
    return branch


@step
def gather(branches: list[int]) -> int:
    return len(branches)


@pipeline(enable_cache=False)
def wide_naps(width: int = 50, seconds: float = 0.2) -> None:
    """1 -> ``width`` -> 1: a start, branches that only wait, a step collecting them."""
    first = start()
    gather([nap(seconds, branch, after=first) for branch in range(width)])


class Scratch:
    """A fresh git repository with ``zenml init``, and a stack to run on."""

    def __init__(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="zenml-bench-", dir=SCRATCH)
        root = Path(self._folder.name)
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        self.plugins = create_plugin_manager()
        self.repository, _ = Repository.initialize(root, plugins=self.plugins)
        self.stack = load_stack(self.repository, plugins=self.plugins, environ={})
        self.disk = root

    def run(self, target: Pipeline) -> float:
        """Wall seconds of one run."""
        began = time.perf_counter()
        target.run(stack=self.stack, plugins=self.plugins, reporter=QUIET)
        return time.perf_counter() - began

    def close(self) -> None:
        self._folder.cleanup()


def median_of(repeat: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(repeat))


def raw_numpy(folder: Path, index: int) -> float:
    """np.save to a new file that stays (as an artifact does), then np.load it."""
    path = folder / f"raw-{index}.npy"
    began = time.perf_counter()
    np.save(path, ARRAY)
    np.load(path)
    return time.perf_counter() - began


def raw_parquet(folder: Path, index: int) -> float:
    """DataFrame to parquet (pyarrow) in a new file that stays, then read it back."""
    path = folder / f"raw-{index}.parquet"
    began = time.perf_counter()
    FRAME.to_parquet(path, engine="pyarrow")
    pd.read_parquet(path, engine="pyarrow")
    return time.perf_counter() - began


def file_operation_latency(folder: Path, count: int = 200) -> float:
    """Microseconds to create one empty file and one folder: the disk's metadata speed."""
    began = time.perf_counter()
    for index in range(count):
        (folder / f"probe-{index}").mkdir()
        (folder / f"probe-{index}" / "file").touch()
    return (time.perf_counter() - began) / count * 1e6


def wal_commit_latency(folder: Path, count: int = 200) -> float:
    """Microseconds of one small insert committed to a SQLite database in WAL mode with
    synchronous=NORMAL, as the metadata store opens it: the floor of a recorded step."""
    import sqlite3

    connection = sqlite3.connect(folder / "probe.db", isolation_level=None)
    connection.execute("PRAGMA journal_mode=wal")
    connection.execute("PRAGMA synchronous=normal")
    connection.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, value TEXT)")
    began = time.perf_counter()
    for index in range(count):
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("INSERT INTO probe (value) VALUES (?)", (str(index),))
        connection.execute("COMMIT")
    elapsed = (time.perf_counter() - began) / count * 1e6
    connection.close()
    return elapsed


def handoff(
    scratch: Scratch, target: Pipeline, raw: Callable[[Path, int], float], repeat: int
) -> float:
    """Ratio of a two-step hand-off (minus a tiny pipeline's overhead) to the raw calls.

    Runs alternate so both see the same state of memory and page cache; the raw files stay
    on disk like artifacts do, because a growing page cache slows large reads here.
    """
    baseline = median_of(repeat, lambda: scratch.run(tiny_handoff))
    ours, plain = [], []
    for index in range(repeat):
        ours.append(scratch.run(target) - baseline)
        plain.append(raw(scratch.disk, index))
    return statistics.median(ours) / statistics.median(plain)


def cache_key_cost(repeat: int) -> tuple[float, float, float]:
    """Milliseconds to compute the code part of a cache key for a step that reaches 200
    project functions (and 20 constants): first in a process (walk + sources), then again
    (memoised code, constants re-read); and the floor: hashing the same source text once."""
    import importlib
    import textwrap

    from zenml_core.execution.cache import code_parts
    from zenml_core.utils.hashing import hash_text

    with tempfile.TemporaryDirectory() as folder:
        lines = [f"LIMIT_{i} = {{'scale': {i}, 'names': ['a', 'b']}}" for i in range(20)]
        for i in range(200):
            callee = f"return f{i + 1}(x) + LIMIT_{i % 20}['scale']" if i < 199 else "return x"
            lines.append(f"def f{i}(x):\n    {callee}\n")
        source = "\n\n".join(lines)
        (Path(folder) / "reach200.py").write_text(textwrap.dedent(source))
        sys.path.insert(0, folder)
        try:
            module = importlib.import_module("reach200")
            start = time.perf_counter()
            parts = code_parts(module.f0)
            first = (time.perf_counter() - start) * 1000
            assert len(parts.parts) == 220, len(parts.parts)
            again = median_of(repeat, lambda: _timed(lambda: code_parts(module.f0)))
            floor = median_of(repeat, lambda: _timed(lambda: hash_text(source)))
        finally:
            sys.path.remove(folder)
            sys.modules.pop("reach200", None)
    return first, again, floor


def _timed(work: Callable[[], Any]) -> float:
    start = time.perf_counter()
    work()
    return (time.perf_counter() - start) * 1000


def run_all(repeat: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(
        name: str,
        value: float,
        unit: str,
        floor: float | None,
        target: float | None,
        reference: str,
    ) -> None:
        rows.append(
            {
                "benchmark": name,
                "value": round(value, 3),
                "unit": unit,
                "floor": None if floor is None else round(floor, 3),
                "target": target,
                "zenml_0_98": reference,
                "ok": None if target is None else value <= target,
            }
        )

    scratch = Scratch()
    try:
        disk = file_operation_latency(scratch.disk)
        commit = wal_commit_latency(scratch.disk)
        add("disk: mkdir + create one file", disk, "us", None, None, "-")
        add("SQLite WAL commit of one insert", commit, "us", None, None, "-")
    finally:
        scratch.close()
    floor_ms = (disk + commit) / 1000  # what one step cannot go below: a file and a commit

    for length in (100, 1000):
        uncached = []
        for _ in range(max(1, repeat // 2)):
            scratch = Scratch()  # a fresh store: every step runs
            try:
                target = chain(length)
                uncached.append(scratch.run(target))
                cached = median_of(
                    repeat, lambda scratch=scratch, target=target: scratch.run(target)
                )
            finally:
                scratch.close()
        reference = length == 100
        add(
            f"uncached chain N={length}, per step",
            min(uncached) / length * 1000,
            "ms",
            floor_ms,
            0.3,
            "170 ms" if reference else "-",
        )
        add(
            f"cached chain N={length}, per step",
            cached / length * 1000,
            "ms",
            commit / 1000,
            0.1,
            "81 ms" if reference else "-",
        )

    per_item, per_cached_item = map_cost(repeat)
    add("map over 1,000 items, per item (all run)", per_item, "ms", None, None, "-")
    add("map over 1,001 items, 1,000 cached, per item", per_cached_item, "ms", None, None, "-")

    plain, ordered = compile_cost(repeat)
    add("compile 1,000 steps", plain, "ms", None, 20.0, "-")  # 0.02 ms a step, linear
    add("compile 1,000 steps with after= and when= each", ordered, "ms", plain, None, "-")

    first, again, floor = cache_key_cost(repeat)
    add("cache key, step reaching 200 functions: first", first, "ms", floor, None, "-")
    add("cache key, step reaching 200 functions: again", again, "ms", floor, None, "-")

    scratch = Scratch()
    try:
        scratch.run(tiny_handoff)  # warm up imports and the database
        add(
            "100 MiB numpy hand-off / raw np.save+np.load",
            handoff(scratch, array_handoff, raw_numpy, repeat),
            "x",
            1.0,
            1.5,
            "about 7x",
        )
        add(
            "1e6x10 DataFrame hand-off / raw parquet write+read",
            handoff(scratch, frame_handoff, raw_parquet, repeat),
            "x",
            1.0,
            1.5,
            "15 s (CSV)",
        )
        add("two independent 1 s sleeping steps", scratch.run(two_sleepers), "s", 1.0, 1.2, "-")
        wide = median_of(3, lambda: scratch.run(wide_naps))
        add("wide DAG 1 -> 50 -> 1, branches sleep 0.2 s, defaults", wide, "s", 0.2, 0.4, "-")
    finally:
        scratch.close()
    return rows
