"""Kubeflow compile benchmarks: the YAML of a chain of 10, 100 and 500 steps, its size and
compile time, next to the floor measured in the same run: the spec's own JSON (the least the
YAML must carry) and kfp compiling the same DAG of bare container tasks (kfp's own cost)."""

# No `from __future__ import annotations`: kfp reads the component's annotations.
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

LENGTHS = (10, 100, 500)
STACK = {"name": "s", "components": {"artifact_store": {"name": "a", "flavor": "local",
                                                          "settings": {}}}}  # fmt: skip


def _chain(length: int) -> Any:
    from zenml_core.pipelines import pipeline
    from zenml_core.plugin.manager import create_plugin_manager
    from zenml_core.testing.pipelines import add, numbers

    @pipeline
    def chain(length: int = 1) -> None:
        values = numbers()
        for _ in range(length - 1):
            values = add(values)

    return chain.compile(plugins=create_plugin_manager(autoload=False), length=length)


def _bare_kfp(length: int) -> float:
    """Seconds kfp takes to compile ``length`` chained bare container tasks."""
    from kfp import compiler, dsl

    @dsl.container_component  # type: ignore[untyped-decorator]
    def task():  # type: ignore[no-untyped-def]
        return dsl.ContainerSpec(image="i", command=["true"])

    @dsl.pipeline(name="bare")  # type: ignore[untyped-decorator]
    def bare() -> None:
        previous = None
        for _ in range(length):
            current = task()
            if previous is not None:
                current.after(previous)
            previous = current

    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        compiler.Compiler().compile(bare, str(Path(folder) / "p.yaml"))
        return time.perf_counter() - start


def run_all(repeat: int) -> list[dict[str, object]]:
    from zenml_kubeflow.compiler import compile_to_yaml

    rows: list[dict[str, object]] = []
    for length in LENGTHS:
        spec = _chain(length)
        times, size = [], 0
        for _ in range(max(1, repeat // 3)):
            start = time.perf_counter()
            text = compile_to_yaml(spec, image="zenml-steps:abc", stack_document=STACK,
                                   python_path=["/p"])  # fmt: skip
            times.append(time.perf_counter() - start)
            size = len(text.encode())
        floor = statistics.median(_bare_kfp(length) for _ in range(max(1, repeat // 3)))
        seconds = round(statistics.median(times), 2)
        rows.append({"benchmark": f"compile {length} steps", "value": seconds, "unit": "s",
                     "floor": round(floor, 2), "target": None, "zenml_0_98": None,
                     "ok": None})  # fmt: skip
        spec_bytes = len(spec.to_json().encode())
        rows.append({"benchmark": f"YAML of {length} steps", "value": round(size / 1024),
                     "unit": "KiB", "floor": round(spec_bytes / 1024), "target": None,
                     "zenml_0_98": None, "ok": None})  # fmt: skip
    sizes = [float(row["value"]) for row in rows if str(row["benchmark"]).startswith("YAML")]  # type: ignore[arg-type]
    per_step = (sizes[-1] - sizes[0]) / (LENGTHS[-1] - LENGTHS[0])
    rows.append({"benchmark": "YAML per added step", "value": round(per_step * 1024),
                 "unit": "B", "floor": None, "target": 4096, "zenml_0_98": None,
                 "ok": per_step * 1024 <= 4096})  # fmt: skip
    return rows
