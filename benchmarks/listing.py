"""Listing the newest runs of a store that holds many: ``Client().runs(limit=50)`` and
``zenml runs list`` at 2,000 and 100,000 runs, next to the floor measured in the same run (the
same query, newest 50 by start time, on a bare sqlite3 connection)."""

from __future__ import annotations

import datetime
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from pipelines import Scratch, chain, median_of

from zenml_core.client import Client


def fill(database: Path, count: int, spec: dict[str, Any]) -> None:
    """Add ``count`` completed runs of one pipeline, each carrying ``spec``, in one commit."""
    connection = sqlite3.connect(database)
    now = datetime.datetime(2026, 1, 1)
    with connection:
        connection.execute(
            "INSERT OR IGNORE INTO pipeline (name, created_at) VALUES (?, ?)", ("listed", now)
        )
        (pipeline_id,) = connection.execute(
            "SELECT id FROM pipeline WHERE name = 'listed'"
        ).fetchone()
        text = json.dumps(spec)
        connection.executemany(
            "INSERT INTO run (id, name, pipeline_id, status, started_at, ended_at, stack_name,"
            " stack, spec, parameters, host, pid, heartbeat_at) VALUES"
            " (?, ?, ?, 'completed', ?, ?, 'default', '{}', ?, '{}', 'bench', 1, ?)",
            (
                (
                    f"{index:032x}",
                    f"listed-{index}",
                    pipeline_id,
                    now + datetime.timedelta(seconds=index),
                    now + datetime.timedelta(seconds=index + 1),
                    text,
                    now + datetime.timedelta(seconds=index + 1),
                )
                for index in range(count)
            ),
        )
    connection.close()


def floor_query(database: Path) -> float:
    """Milliseconds of the bare query: the newest 50 runs by start time."""
    connection = sqlite3.connect(database)
    began = time.perf_counter()
    connection.execute("SELECT * FROM run ORDER BY started_at DESC, id DESC LIMIT 50").fetchall()
    elapsed = (time.perf_counter() - began) * 1000
    connection.close()
    return elapsed


def run_all(repeat: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    spec = chain(100).compile(plugins=Scratch().plugins).to_dict()  # about 60 KB of JSON
    from run import measured_environment

    environment = measured_environment()
    for count, cli_target, client_target in ((2_000, None, None), (100_000, 60.0, 10.0)):
        scratch = Scratch()
        try:
            store = scratch.stack.metadata_store
            store.list_runs()  # the schema exists
            fill(store.path, count, spec)
            client = Client(stack=scratch.stack, plugins=scratch.plugins)
            floor = median_of(repeat, lambda store=store: floor_query(store.path))

            def listed(client: Client = client) -> float:
                began = time.perf_counter()
                client.runs(limit=50)
                return (time.perf_counter() - began) * 1000

            def cli(root: Path = scratch.disk) -> float:
                began = time.perf_counter()
                subprocess.run(
                    [str(Path(sys.executable).parent / "zenml"), "runs", "list"],
                    cwd=root, env=environment, check=True, capture_output=True,
                )  # fmt: skip
                return (time.perf_counter() - began) * 1000

            value = median_of(repeat, listed)
            rows.append(_row(f"Client().runs(limit=50), {count:,} runs", value, floor,
                             client_target))  # fmt: skip
            value = median_of(repeat, cli)
            rows.append(_row(f"zenml runs list (latest 50), {count:,} runs", value, floor,
                             cli_target))  # fmt: skip
        finally:
            scratch.close()
    return rows


def _row(name: str, value: float, floor: float, target: float | None) -> dict[str, Any]:
    return {
        "benchmark": name,
        "value": round(value, 3),
        "unit": "ms",
        "floor": round(floor, 3),
        "target": target,
        "zenml_0_98": "-",
        "ok": None if target is None else value <= target,
    }
