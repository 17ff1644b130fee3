"""The ML step hierarchy: importer -> split -> preprocess -> train -> evaluate.

Each class is a ``BaseStep`` with one method to override and a ``PARAMETERS`` attrs class.
These modules import pandas and numpy: they load only when a pipeline uses them.
"""
