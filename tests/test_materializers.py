"""Materializers: exact round trips, MRO lookup, plugin registration, pickle as a last resort."""

from __future__ import annotations

import collections
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from zenml_core import hookimpl
from zenml_core.materializers.base import BaseMaterializer
from zenml_core.materializers.registry import (
    PICKLE,
    MaterializerRegistry,
    PickleFallbackWarning,
    load_materializer,
    save_value,
)
from zenml_core.plugin.manager import PluginManager

JSON = "zenml_core.materializers.builtin:JSONMaterializer"


@pytest.fixture
def registry(plugins: PluginManager) -> MaterializerRegistry:
    return MaterializerRegistry(plugins.registry.materializers)


def round_trip(registry: MaterializerRegistry, value: Any, folder: Path) -> tuple[str, Any]:
    path, _ = save_value(registry, value, folder, declared=None)
    return path, load_materializer(path)().load(folder, type(value))


@pytest.mark.parametrize(
    "value",
    [0, -7, 2.5, True, None, "text", b"\x00bytes", [1, "a", None], {"a": [1, 2]}, (1, "two")],
    ids=repr,
)
def test_plain_values_round_trip_exactly(
    registry: MaterializerRegistry, tmp_path: Path, value: Any
) -> None:
    path, loaded = round_trip(registry, value, tmp_path)
    assert path != PICKLE
    assert loaded == value and type(loaded) is type(value)


@pytest.mark.parametrize(
    "value",
    [{1: "int key"}, [(1, 2)], collections.OrderedDict(a=1), {1, 2}, float("nan")],
    ids=["int-key", "nested-tuple", "dict-subclass", "set", "nan"],
)
def test_values_json_would_change_fall_back_to_pickle_with_a_warning(
    registry: MaterializerRegistry, tmp_path: Path, value: Any
) -> None:
    with pytest.warns(
        PickleFallbackWarning, match=f"storing .*{type(value).__qualname__} with pickle"
    ):
        path, loaded = round_trip(registry, value, tmp_path)
    assert path == PICKLE
    if value == value:  # nan is never equal to itself
        assert loaded == value and type(loaded) is type(value)


def test_numpy_arrays_use_npy(registry: MaterializerRegistry, tmp_path: Path) -> None:
    array = np.arange(12, dtype=np.float32).reshape(3, 4)
    path, loaded = round_trip(registry, array, tmp_path)
    assert path.endswith("NumpyMaterializer") and (tmp_path / "data.npy").exists()
    np.testing.assert_array_equal(loaded, array)
    assert loaded.dtype == np.float32


def test_object_arrays_fall_back_to_pickle(registry: MaterializerRegistry, tmp_path: Path) -> None:
    with pytest.warns(PickleFallbackWarning, match="numpy:ndarray"):
        path, loaded = round_trip(registry, np.array([{"a": 1}], dtype=object), tmp_path)
    assert path == PICKLE and loaded[0] == {"a": 1}


def test_pandas_frames_and_series_use_parquet(
    registry: MaterializerRegistry, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"x": [1, 2, 3], "label": ["a", "b", "c"]})
    (tmp_path / "frame").mkdir()
    path, loaded = round_trip(registry, frame, tmp_path / "frame")
    assert path.endswith("PandasMaterializer") and (tmp_path / "frame" / "data.parquet").exists()
    pd.testing.assert_frame_equal(loaded, frame)
    for name in ["score", None, 3]:
        folder = tmp_path / f"s{name}"
        folder.mkdir()
        series = pd.Series([0.5, 1.5], name=name)
        _, loaded_series = round_trip(registry, series, folder)
        pd.testing.assert_series_equal(loaded_series, series)


def test_frames_parquet_cannot_hold_fall_back_to_pickle(
    registry: MaterializerRegistry, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"point": [Point(1), Point(2)]})  # Arrow has no type for these
    with pytest.warns(PickleFallbackWarning, match="DataFrame"):
        path, loaded = round_trip(registry, frame, tmp_path)
    assert path == PICKLE
    assert [p.x for p in loaded["point"]] == [1, 2]


class Point:
    def __init__(self, x: int) -> None:
        self.x = x


class Point3(Point):
    pass


class PointMaterializer(BaseMaterializer):
    VERSION = "3"

    def save(self, value: Any, folder: Path) -> None:
        (folder / "x.txt").write_text(str(value.x))

    def load(self, folder: Path, data_type: type) -> Any:
        return data_type(int((folder / "x.txt").read_text()))


def test_plugins_register_materializers_found_through_the_mro(
    plugins: PluginManager, tmp_path: Path
) -> None:
    class Plugin:
        @hookimpl
        def zenml_register_materializers(self, registry: Any) -> None:
            registry.add(f"{__name__}:Point", materializer=f"{__name__}:PointMaterializer")

    plugins.register(Plugin(), name="points")
    registry = MaterializerRegistry(plugins.registry.materializers)
    assert registry.lookup(Point3) == f"{__name__}:PointMaterializer"
    path, loaded = round_trip(registry, Point3(4), tmp_path)
    assert isinstance(loaded, Point3) and loaded.x == 4
    assert load_materializer(path).identity() == f"{__name__}:PointMaterializer@3"


def test_a_type_without_materializer_warns_and_names_the_type(
    registry: MaterializerRegistry,
) -> None:
    with pytest.warns(PickleFallbackWarning, match=rf"storing {__name__}:Point with pickle"):
        assert registry.for_value(Point(1)) == PICKLE
    assert registry.for_value(Point(1), declared=JSON) == JSON  # an override wins


def test_looking_up_materializers_imports_no_heavy_library(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from zenml_core.plugin.manager import create_plugin_manager\n"
        "from zenml_core.materializers.registry import MaterializerRegistry\n"
        "r = MaterializerRegistry(create_plugin_manager(autoload=False).registry.materializers)\n"
        "assert r.lookup(int).endswith('JSONMaterializer')\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'pyarrow') if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
