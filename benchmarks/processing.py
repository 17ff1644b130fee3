"""Processing backend benchmarks: a realistic preprocessing step on 2,000,000 rows (split ->
scale + one-hot -> written as Parquet) in one pandas process, on the local pool, on Dask with
two workers and on Beam's DirectRunner with two workers (each where its plugin is
installed); and a Dataset's write + verified read next to raw ``pyarrow.dataset`` write + read
of the same table (the floor of the hand-off).

The pandas run is what the engines are compared with: on this 2-core machine the floor of a
shard-parallel run is half of it.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROWS = 2_000_000
ROWS_PER_SHARD = 125_000


def _table(rows: int) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(1)
    columns: dict[str, Any] = {"id": np.arange(rows)}
    for index in range(6):
        columns[f"x{index}"] = rng.normal(index, 1 + index, rows)
    columns["color"] = rng.choice(["red", "green", "blue", "black"], rows)
    columns["size"] = rng.choice(["S", "M", "L"], rows)
    columns["target"] = (rng.random(rows) < 0.3).astype("int64")
    return pd.DataFrame(columns)


def _preprocess_pandas(frame: Any, out: Path) -> None:
    """The same work in one process: hash split, fit on train, transform and write all three."""
    from zenml_core.steps.ml.preprocessing import OneHotEncoderStep, StandardScalerStep
    from zenml_core.steps.ml.split import hash_split_shard

    parts = hash_split_shard(frame, 42, (0.7, 0.85), None)
    for step in (StandardScalerStep(), OneHotEncoderStep()):
        state = step.fit(parts[0])
        parts = tuple(step.transform(part, state) for part in parts)
    for name, part in zip(("train", "eval", "test"), parts, strict=True):
        part.to_parquet(out / f"{name}.parquet", engine="pyarrow", index=False)


def _preprocess_dataset(data: Any, session: Any, out: Path) -> None:
    """Split and preprocess a Dataset on ``session``'s engine; write the parts' shards."""
    from zenml_core.steps.context import StepContext, running
    from zenml_core.steps.ml.preprocessing import OneHotEncoderStep, StandardScalerStep
    from zenml_core.steps.ml.split import SplitStep

    context = StepContext("bench", "r", "r", open_processing=lambda: session)
    with running(context):
        try:
            parts = tuple(SplitStep().entrypoint(data))
            for step in (StandardScalerStep(), OneHotEncoderStep()):
                parts = tuple(step.entrypoint(*parts)[:3])
            for name, part in zip(("train", "eval", "test"), parts, strict=True):
                part.save(out / name)  # moves the shards the workers wrote
        finally:
            context.close()


def _timed(work: Callable[[Path], None], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(dir=Path.home()) as scratch:
            start = time.perf_counter()
            work(Path(scratch))
            timings.append(time.perf_counter() - start)
    return timings


def _row(name: str, seconds: list[float], floor: float | None, target: str | None) -> dict:
    median = statistics.median(seconds)
    return {
        "benchmark": name,
        "value": round(median, 2),
        "unit": f"s ({ROWS / median / 1e6:.2f} M rows/s)",
        "floor": None if floor is None else round(floor, 2),
        "target": target,
        "zenml_0_98": None,
        "ok": None,
    }


def _fused(frame: Any, scaler: Any, scaled: dict, encoder: Any, encoded: dict) -> Any:
    """Scale, then one-hot encode one shard (the transform phase, as one function)."""
    return encoder.transform(scaler.transform(frame, scaled), encoded)


def run_all(repeat: int) -> list[dict[str, object]]:
    import pyarrow as pa
    import pyarrow.dataset as pads

    from zenml_core.backends.local import LocalProcessingBackend, LocalProcessingBackendConfig
    from zenml_core.backends.processing import ProcessingSession
    from zenml_core.dataset import Dataset
    from zenml_core.steps.ml.preprocessing import OneHotEncoderStep, StandardScalerStep

    repeat = max(3, repeat // 2)  # each run is seconds long
    frame = _table(ROWS)
    scaler, encoder = StandardScalerStep(), OneHotEncoderStep()
    scaled = scaler.fit(frame)
    encoded = encoder.fit(scaler.transform(frame.head(1000), scaled))
    engines: list[tuple[str, Callable[[Path], Any]]] = [
        ("one process, shard by shard", lambda out: ProcessingSession(out, {})),
    ]
    pool = LocalProcessingBackend(name="pool", config=LocalProcessingBackendConfig(workers=2))
    engines.append(
        ("local pool (2 processes)", lambda out: pool.session(scratch_root=out, settings={}))
    )
    try:
        from zenml_dask.backend import DaskProcessingBackend, DaskProcessingBackendConfig
    except ImportError:
        dask = None
    else:
        dask = DaskProcessingBackend(name="dask", config=DaskProcessingBackendConfig(workers=2))
        engines.append(
            (
                "Dask LocalCluster (2 workers)",
                lambda out: dask.session(scratch_root=out, settings={}),
            )
        )

    try:
        from zenml_beam.backend import BeamProcessingBackend, BeamProcessingBackendConfig
    except ImportError:
        pass
    else:
        beam = BeamProcessingBackend(name="beam", config=BeamProcessingBackendConfig(workers=2))
        engines.append(
            (
                "Beam DirectRunner (2 workers)",
                lambda out: beam.session(scratch_root=out, settings={}),
            )
        )

    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(dir=Path.home()) as scratch:
        Dataset.from_pandas(frame, rows_per_shard=ROWS_PER_SHARD).save(Path(scratch) / "input")
        source = Dataset.open(Path(scratch) / "input")

        def pandas_transform(out: Path) -> None:
            _fused(frame, scaler, scaled, encoder, encoded).to_parquet(
                out / "t.parquet", index=False
            )

        base = statistics.median(_timed(pandas_transform, repeat))
        rows.append(_row("transform phase: one pandas process", [base], None, None))
        for name, session_for in engines:

            def transform(out: Path, session_for: Any = session_for) -> None:
                session = session_for(out)
                try:
                    result = session.transform_shards(
                        _fused, source, scaler, scaled, encoder, encoded
                    )
                    result.save(out / "result")
                finally:
                    session.close()

            if name != engines[0][0]:
                transform(Path(tempfile.mkdtemp(dir=Path.home())))  # warm: the engine's start-up
            seconds = _timed(transform, repeat)
            row = _row(
                f"transform phase: {name}",
                seconds,
                base / 2,
                ">= 1.6x pandas" if "2" in name else None,
            )
            if "2" in name:
                row["ok"] = base / statistics.median(seconds) >= 1.6
            rows.append(row)

        full = statistics.median(_timed(lambda out: _preprocess_pandas(frame, out), repeat))
        rows.append(_row("split + fit + transform + write: one pandas process", [full], None, None))
        for name, session_for in engines:
            seconds = _timed(
                lambda out, s=session_for: _preprocess_dataset(source, s(out), out), repeat
            )
            rows.append(_row(f"split + fit + transform + write: {name}", seconds, full / 2, None))
    pool.shutdown()

    table = pa.Table.from_pandas(frame, preserve_index=False)

    def raw(out: Path) -> None:
        limit = {"max_rows_per_file": ROWS_PER_SHARD, "max_rows_per_group": ROWS_PER_SHARD}
        pads.write_dataset(table, out / "raw", format="parquet", **limit)
        pads.dataset(out / "raw", format="parquet").to_table()

    def handoff(out: Path) -> None:
        Dataset.from_arrow(table, rows_per_shard=ROWS_PER_SHARD).save(out / "data")
        Dataset.open(out / "data").to_arrow()

    raw_seconds = _timed(raw, repeat)
    handoff_seconds = _timed(handoff, repeat)
    ratio = statistics.median(handoff_seconds) / statistics.median(raw_seconds)
    rows.append(
        {
            "benchmark": "Dataset write + verified read / raw pyarrow.dataset",
            "value": round(ratio, 2),
            "unit": f"x ({statistics.median(raw_seconds):.2f} s raw)",
            "floor": 1.0,
            "target": "<= 1.3x",
            "zenml_0_98": None,
            "ok": ratio <= 1.3,
        }
    )
    return rows
