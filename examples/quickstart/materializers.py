"""A materializer for fitted scikit-learn estimators, chosen per output in ``pipeline.py``.

scikit-learn documents joblib (pickle underneath) as its persistence format, so this stores
the model as ``model.joblib`` plus the scikit-learn version it was fitted with, and refuses to
load it under another version instead of failing in surprising ways.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zenml_core.materializers.base import BaseMaterializer


class SklearnModelMaterializer(BaseMaterializer):
    def save(self, value: Any, folder: Path) -> None:
        import joblib
        import sklearn

        joblib.dump(value, folder / "model.joblib")
        (folder / "sklearn_version.txt").write_text(sklearn.__version__)

    def load(self, folder: Path, data_type: type) -> Any:
        import joblib
        import sklearn

        saved = (folder / "sklearn_version.txt").read_text()
        if saved != sklearn.__version__:
            raise RuntimeError(
                f"model was saved with scikit-learn {saved}, this is {sklearn.__version__}; "
                "install that version or rerun the pipeline"
            )
        return joblib.load(folder / "model.joblib")
