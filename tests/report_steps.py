"""A pipeline whose run shows every kind of thing a run report draws: a DataFrame, an array, a
JSON value, a PNG image, a pickled object (no preview), a metric series, a failed step with
the user's traceback, and a skipped one."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pandas as pd

from zenml_core import log_metadata, log_metric, pipeline, step


class Opaque:
    """Stored with pickle: reports must not load it (unpickling leaves a file named
    UNPICKLED in the current folder, for tests to look for)."""

    def __init__(self, weights: list[float]) -> None:
        self.weights = weights

    def __setstate__(self, state: dict) -> None:
        from pathlib import Path

        Path("UNPICKLED").write_text("an Opaque was unpickled")
        self.__dict__.update(state)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A solid-colour PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


@step
def load(rows: int = 12) -> pd.DataFrame:
    return pd.DataFrame({"x": list(range(rows)), "label": ["a", "b"] * (rows // 2)})


@step
def features(frame: pd.DataFrame) -> np.ndarray:
    return frame["x"].to_numpy(dtype="float64") * 2.0


@step
def train(values: np.ndarray, epochs: int = 5) -> dict:
    for epoch in range(epochs):
        log_metric("loss", round(1.0 / (epoch + 1), 4), step=epoch)
    log_metadata(metadata={"optimizer": "sgd"})
    return {"weights": [float(v) for v in values[:3]], "epochs": epochs}


@step
def plot(model: dict) -> bytes:
    return png(24, 16, (30, 120, 200))


@step(enable_cache=False)
def opaque(model: dict) -> Opaque:
    return Opaque(model["weights"])


@step
def explode(model: dict, fail: bool = False) -> int:
    if fail:
        raise ValueError("the model is not good enough")
    return 1


@step
def publish(flag: int) -> str:
    return "published"


@pipeline
def report_flow(rows: int = 12, epochs: int = 5, fail: bool = False):
    model = train(features(load(rows=rows)), epochs=epochs)
    plot(model)
    opaque(model)
    publish(explode(model, fail=fail))
