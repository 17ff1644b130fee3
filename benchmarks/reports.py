"""Looking at runs: a 100-step run's report (time to build, size of the HTML file), and the
dashboard's pages with 10,000 runs stored, each next to its floor measured in the same run
(reading the same records through the Client, without drawing them)."""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from listing import fill
from pipelines import Scratch, chain, median_of

from zenml_core.client import Client


def _ms(function: Any) -> float:
    began = time.perf_counter()
    function()
    return (time.perf_counter() - began) * 1000


def _row(name: str, value: float, unit: str, floor: float | None) -> dict[str, Any]:
    return {"benchmark": name, "value": round(value, 3), "unit": unit,
            "floor": None if floor is None else round(floor, 3), "target": None,
            "zenml_0_98": "-", "ok": None}  # fmt: skip


def run_all(repeat: int) -> list[dict[str, Any]]:
    from zenml_core.reports.dashboard import make_server
    from zenml_core.reports.document import run_document
    from zenml_core.reports.html import run_report

    rows: list[dict[str, Any]] = []
    scratch = Scratch()
    try:
        scratch.run(chain(100))
        client = Client(stack=scratch.stack, plugins=scratch.plugins, read_only=True)
        run = client.runs(limit=1)[0]

        def records() -> None:  # the floor: the records a report shows, read, not drawn
            for step in run.steps.values():
                step.inputs, step.outputs, step.logs  # noqa: B018

        floor = median_of(repeat, lambda: _ms(records))
        build = median_of(repeat, lambda: _ms(lambda: run_report(run_document(client, run))))
        size = len(run_report(run_document(client, run)).encode())
        rows.append(_row("report of a 100-step run: build", build, "ms", floor))
        rows.append(_row("report of a 100-step run: size", size / 1024, "KiB", None))

        store = scratch.stack.metadata_store
        fill(store.path, 10_000, run.record.spec)
        server = make_server(client, port=0)
        import threading

        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        newest = client.runs(limit=2)

        def get(path: str) -> None:
            with urllib.request.urlopen(base + path, timeout=60) as response:
                response.read()

        pages = [
            ("dashboard index (newest 50 of 10,001 runs)", "/",
             lambda: (client.pipelines(), client.runs(limit=50))),
            ("dashboard run page (100 steps)", f"/runs/{run.name}", records),
            ("dashboard compare two runs", f"/compare?a={newest[1].name}&b={run.name}",
             lambda: client.diff(newest[1], run)),
        ]  # fmt: skip
        for name, path, reading in pages:
            floor = median_of(repeat, lambda reading=reading: _ms(reading))
            value = median_of(repeat, lambda path=path: _ms(lambda: get(path)))
            rows.append(_row(name, value, "ms", floor))
        server.shutdown()
        server.server_close()
    finally:
        scratch.close()
    return rows
