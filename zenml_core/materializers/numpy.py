"""numpy arrays as ``data.npy`` (numpy is imported only when such an artifact is used)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zenml_core.errors import NotMaterializableError
from zenml_core.materializers.base import BaseMaterializer


class NumpyMaterializer(BaseMaterializer):
    """Arrays of numbers, strings or records as ``data.npy`` (no pickle)."""

    SAFE_TO_PREVIEW = True

    def save(self, value: Any, folder: Path) -> None:
        import numpy as np

        if value.dtype.hasobject:
            raise NotMaterializableError("numpy arrays of Python objects need pickle")
        np.save(folder / "data.npy", value, allow_pickle=False)

    def load(self, folder: Path, data_type: type) -> Any:
        import numpy as np

        return np.load(folder / "data.npy", allow_pickle=False)
