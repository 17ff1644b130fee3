"""pandas DataFrames and Series as parquet through pyarrow (imported only when used)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from zenml_core.errors import NotMaterializableError
from zenml_core.materializers.base import BaseMaterializer
from zenml_core.utils.extras import require

_SERIES_COLUMN = "__series__"


class PandasMaterializer(BaseMaterializer):
    """DataFrames and Series as Parquet."""

    SAFE_TO_PREVIEW = True

    def save(self, value: Any, folder: Path) -> None:
        import pandas as pd

        frame = value
        if isinstance(value, pd.Series):
            try:
                name = json.dumps(value.name)
            except TypeError as exc:
                raise NotMaterializableError(f"series name {value.name!r} is not JSON") from exc
            frame = value.to_frame(name=_SERIES_COLUMN)
            (folder / "series.json").write_text(name, encoding="utf-8")
        require("pyarrow", needed_by=f"writing a {type(value).__name__} artifact (parquet)")
        try:
            frame.to_parquet(folder / "data.parquet", engine="pyarrow")
        except (ValueError, TypeError) as exc:  # e.g. non-string column names, mixed objects
            raise NotMaterializableError(
                f"parquet cannot store this {type(value).__name__}: {exc}"
            ) from exc

    def load(self, folder: Path, data_type: type) -> Any:
        import pandas as pd

        require("pyarrow", needed_by=f"reading a {data_type.__name__} artifact (parquet)")
        frame = pd.read_parquet(folder / "data.parquet", engine="pyarrow")
        series_file = folder / "series.json"
        if series_file.exists():
            name = json.loads(series_file.read_text(encoding="utf-8"))
            return frame[_SERIES_COLUMN].rename(name)
        return frame
