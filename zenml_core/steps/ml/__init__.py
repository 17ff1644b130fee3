"""The ML step hierarchy: importer -> split -> preprocess -> train -> evaluate.

Each class is a ``BaseStep`` with one method to override and a ``PARAMETERS`` attrs class.
These modules import pandas and numpy (zenml-core's ``ml`` extra): they load only when a
pipeline uses them, and without the extra importing them says which one to install.
"""

from zenml_core.utils.extras import require

for _module in ("numpy", "pandas"):
    require(_module, needed_by="zenml_core.steps.ml (the ML step classes, SimplePipeline)")
