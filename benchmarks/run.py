"""Benchmark runner: prints a table and writes JSON to ``benchmarks/results/``.

Run with the interpreter of the environment where zenml-core is installed.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def measured_environment() -> dict[str, str]:
    """This environment without zenml's variables, and with bytecode caches allowed: a user's
    installation has them, so a machine that sets PYTHONDONTWRITEBYTECODE would otherwise time
    the compilation of every module at every start (about 30 ms here)."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ZENML_") and k != "PYTHONDONTWRITEBYTECODE"
    }


def time_process(command: list[str], cwd: Path, repeat: int) -> list[float]:
    """Wall-clock milliseconds of ``repeat`` fresh runs of ``command`` (one warm-up first,
    which also writes the bytecode caches)."""
    env = measured_environment()
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def startup(repeat: int) -> list[dict[str, object]]:
    python = sys.executable
    zenml = str(Path(python).with_name("zenml"))
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        subprocess.run([zenml, "init"], cwd=root, check=True, capture_output=True)
        cases = [
            ("python -c pass (floor)", [python, "-c", "pass"], None, None),
            ("import zenml_core", [python, "-c", "import zenml_core"], 80, 1440),
            ("zenml --help", [zenml, "--help"], 50, 1600),
            ("zenml stack list", [zenml, "stack", "list"], 60, 3190),
        ]
        rows = []
        for name, command, target, reference in cases:
            timings = time_process(command, root, repeat)
            rows.append(
                {
                    "benchmark": name,
                    "median_ms": round(statistics.median(timings), 1),
                    "min_ms": round(min(timings), 1),
                    "max_ms": round(max(timings), 1),
                    "runs": repeat,
                    "target_ms": target,
                    "zenml_0_98_ms": reference,
                }
            )
    return rows


def print_table(rows: list[dict[str, object]], columns: list[str]) -> None:
    lines = [columns]
    for row in rows:
        lines.append(["-" if row.get(column) is None else str(row[column]) for column in columns])
    widths = [max(len(line[i]) for line in lines) for i in range(len(columns))]
    for line in lines:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))


def startup_rows(repeat: int) -> list[dict[str, object]]:
    rows = startup(repeat)
    for row in rows:
        target, median = row["target_ms"], row["median_ms"]
        row["ok"] = None if target is None else median <= target  # type: ignore[operator]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="runs per measurement (>= 5)")
    parser.add_argument(
        "--only",
        choices=[
            "startup",
            "pipelines",
            "listing",
            "reports",
            "docker",
            "kubeflow",
            "processing",
            "airflow",
        ],
        help="run one group of benchmarks",
    )
    args = parser.parse_args()
    repeat = max(5, args.repeat)
    RESULTS.mkdir(exist_ok=True)
    groups: dict[str, list[dict[str, object]]] = {}
    if args.only in (None, "startup"):
        groups["startup"] = startup_rows(repeat)
        print("== start-up (fresh processes)")
        print_table(
            groups["startup"],
            ["benchmark", "median_ms", "min_ms", "max_ms", "target_ms", "zenml_0_98_ms", "ok"],
        )
    if args.only in (None, "pipelines"):
        sys.path.insert(0, str(Path(__file__).parent))
        import pipelines

        groups["pipelines"] = pipelines.run_all(repeat)
        print("\n== pipelines on the local stack")
        print_table(
            groups["pipelines"],
            ["benchmark", "value", "unit", "floor", "target", "zenml_0_98", "ok"],
        )
    optional = {  # groups that need a plugin (and for docker an engine) installed here
        "listing": ("listing", "listing runs (floor: the same query on a bare connection)"),
        "reports": ("reports", "run reports and the dashboard (floor: the records, read)"),
        "docker": ("docker_steps", "docker orchestrator"),
        "kubeflow": (
            "kubeflow_compile",
            "kubeflow compile (floor: the spec's JSON; kfp on bare tasks)",
        ),
        "airflow": ("airflow_runs", "zenml-airflow (floor: the local orchestrator, same chain)"),
        "processing": (
            "processing",
            f"processing backends (floor: half the one-process time on {os.cpu_count()} cores)",
        ),
    }
    for group, (module_name, title) in optional.items():
        if args.only not in (None, group):
            continue
        sys.path.insert(0, str(Path(__file__).parent))
        try:
            groups[group] = importlib.import_module(module_name).run_all(repeat)
        except Exception as exc:  # no engine, no plugin: say so, measure the rest
            print(f"\n== {group}: skipped ({type(exc).__name__}: {exc})")
        else:
            print(f"\n== {title}")
            print_table(
                groups[group],
                ["benchmark", "value", "unit", "floor", "target", "zenml_0_98", "ok"],
            )
    for name, rows in groups.items():
        output = RESULTS / f"{name}.json"
        output.write_text(
            json.dumps(
                {
                    "python": platform.python_version(),
                    "machine": platform.machine(),
                    "cpus": os.cpu_count(),
                    "repeat": repeat,
                    "results": rows,
                },
                indent=2,
            )
        )
        print(f"wrote {output}")


if __name__ == "__main__":
    main()
