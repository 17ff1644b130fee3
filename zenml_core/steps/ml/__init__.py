"""The ML step hierarchy: importer -> split -> preprocess -> train -> evaluate.

Every class imports from here: ``from zenml_core.steps.ml import SplitStep, TrainerStep``.

Each class is a ``BaseStep`` with one method to override and a ``PARAMETERS`` attrs class.
These modules import pandas and numpy (zenml-core's ``ml`` extra): they load only when a
pipeline uses them, and without the extra importing them says which one to install.
"""

from zenml_core.utils.extras import require

for _module in ("numpy", "pandas"):
    require(_module, needed_by="zenml_core.steps.ml (the ML step classes, SimplePipeline)")

from typing import Any  # noqa: E402

_CLASSES = {
    "zenml_core.steps.ml.evaluation": ("ClassificationEvaluator", "EvaluatorStep"),
    "zenml_core.steps.ml.importers": (
        "CSVDatasetImporter", "CSVImporter", "DataFrameImporter", "ImporterStep",
        "PackageDatasetImporter", "ParquetDatasetImporter",
    ),
    "zenml_core.steps.ml.preprocessing": (
        "OneHotEncoderStep", "Preprocessed", "PreprocessorStep", "StandardScalerStep",
    ),
    "zenml_core.steps.ml.split": ("Split", "SplitStep"),
    "zenml_core.steps.ml.training": ("TrainerStep",),
}  # fmt: skip
_MODULE_OF = {name: module for module, names in _CLASSES.items() for name in names}
__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    """The step classes load with their module (scikit-learn only for the one that needs it)."""
    import importlib

    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module 'zenml_core.steps.ml' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
