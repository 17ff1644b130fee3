"""What `zenml artifacts show --value` prints for the values users store."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from zenml_core.previews import preview, render


def test_json_values_are_json() -> None:
    shown = preview({"accuracy": 0.9, "labels": ["a", "b"]})
    assert shown == {"kind": "json", "value": {"accuracy": 0.9, "labels": ["a", "b"]}}
    assert json.loads(render(shown)) == {"accuracy": 0.9, "labels": ["a", "b"]}


def test_arrays_show_shape_dtype_and_first_values() -> None:
    shown = preview(np.arange(60, dtype="float32").reshape(3, 4, 5))
    assert (shown["kind"], shown["shape"], shown["dtype"]) == ("array", [3, 4, 5], "float32")
    assert shown["values"][:3] == [0.0, 1.0, 2.0] and len(shown["values"]) == 20
    assert render(shown).startswith("array 3x4x5 float32: [0.0, 1.0, 2.0,")
    assert render(shown).endswith(", ...]")


def test_frames_and_series_show_their_head_and_size() -> None:
    frame = pd.DataFrame({"x": range(25), "y": ["a"] * 25})
    shown = preview(frame)
    assert shown["shape"] == [25, 2] and shown["columns"] == {
        "x": "int64",
        "y": shown["columns"]["y"],
    }
    assert shown["head"][0] == {"x": 0, "y": "a"} and len(shown["head"]) == 10
    assert render(shown).endswith("[25 rows x 2 columns (first 10)]")
    series = preview(pd.Series([1.5, 2.5], name="s"))
    assert series["kind"] == "series" and render(series).endswith("[2 rows]")


def test_other_objects_show_their_type_and_repr() -> None:
    class Model:
        def __repr__(self) -> str:
            return "Model(depth=3)"

    shown = preview(Model())
    assert shown["kind"] == "repr" and shown["text"] == "Model(depth=3)"
    assert render(shown).endswith("Model: Model(depth=3)")
    assert preview((1, 2))["kind"] == "repr"  # a tuple is not JSON-exact
