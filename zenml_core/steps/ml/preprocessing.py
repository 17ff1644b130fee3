"""``PreprocessorStep``: fit on the training part, transform all three the same way.

On DataFrames, ``fit`` sees the whole training part. On ``Dataset``s the fit is made from
per-shard partial statistics computed on the processing backend (``partial_fit``) and merged
here (``merge_fits``): means and variances for scaling, category sets for one-hot encoding;
then each part is transformed shard by shard. A preprocessor that implements only ``fit``
gets the training Dataset read whole into one DataFrame instead.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import pandas as pd
from attrs import frozen

from zenml_core.dataset import Dataset
from zenml_core.steps.base import BaseStep
from zenml_core.steps.context import step_context


class Preprocessed(NamedTuple):
    train: pd.DataFrame | Dataset
    eval: pd.DataFrame | Dataset
    test: pd.DataFrame | Dataset
    state: dict[str, Any]  # what was fitted, to transform new data the same way later


@frozen
class PreprocessorParameters:
    """``label`` is left untouched; ``columns`` limits the transform (None: every feature column
    the preprocessor applies to)."""

    label: str = "target"
    columns: list[str] | None = None


class PreprocessorStep(BaseStep):
    """Override ``fit`` (train -> JSON state) and ``transform`` (frame, state -> frame)."""

    PARAMETERS: ClassVar[type | None] = PreprocessorParameters
    USES_PROCESSING_BACKEND: ClassVar[bool] = True

    def entrypoint(
        self,
        train: pd.DataFrame | Dataset,
        eval: pd.DataFrame | Dataset,
        test: pd.DataFrame | Dataset,
    ) -> Preprocessed:
        if isinstance(train, Dataset):
            return self._on_datasets(train, _as_dataset(eval), _as_dataset(test))
        state = self.fit(train)
        return Preprocessed(
            self.transform(train, state),
            self.transform(_as_frame(eval), state),
            self.transform(_as_frame(test), state),
            state,
        )

    def _on_datasets(self, train: Dataset, eval: Dataset, test: Dataset) -> Preprocessed:
        session = step_context().processing
        if type(self).partial_fit is PreprocessorStep.partial_fit:  # only fit(): read it whole
            state = self.fit(train.to_pandas())
        else:
            partials = session.map_shards(_partial_fit, train, self)
            state = self.merge_fits(partials, _empty_frame(train))
        parts = [session.transform_shards(_transform, p, self, state) for p in (train, eval, test)]
        return Preprocessed(parts[0], parts[1], parts[2], state)

    def partial_fit(self, shard: pd.DataFrame) -> Any:
        """What ``merge_fits`` needs from one shard of the training Dataset (runs on the
        processing backend). Override with ``merge_fits`` to fit Datasets shard-parallel."""
        raise NotImplementedError

    def merge_fits(self, partials: list[Any], empty: pd.DataFrame) -> dict[str, Any]:
        """The fitted state from every shard's ``partial_fit`` (``empty`` has the columns)."""
        raise NotImplementedError

    def feature_columns(self, frame: pd.DataFrame, numeric: bool) -> list[str]:
        if self.parameters.columns is not None:
            return list(self.parameters.columns)
        if numeric:
            chosen = list(frame.select_dtypes(include="number").columns)
        else:  # text and categories, whichever dtype holds the text (object, str, string)
            chosen = [
                column
                for column, dtype in frame.dtypes.items()
                if isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_string_dtype(dtype)
            ]
        return [column for column in chosen if column != self.parameters.label]

    def fit(self, train: pd.DataFrame) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must implement fit()")

    def transform(self, frame: pd.DataFrame, state: dict[str, Any]) -> pd.DataFrame:
        raise NotImplementedError(f"{type(self).__name__} must implement transform()")


class StandardScalerStep(PreprocessorStep):
    """Numeric features to zero mean and unit variance (of the training part)."""

    def partial_fit(self, shard: pd.DataFrame) -> dict[str, tuple[int, float, float]]:
        columns = self.feature_columns(shard, numeric=True)
        values = shard[columns].astype("float64")
        means = values.mean()
        squares = ((values - means) ** 2).sum()
        counts = values.count()
        return {c: (int(counts[c]), float(means[c]), float(squares[c])) for c in columns}

    def merge_fits(
        self, partials: list[dict[str, tuple[int, float, float]]], empty: pd.DataFrame
    ) -> dict[str, Any]:
        """Chan et al.'s pairwise merge of counts, means and squared deviations: the same
        mean and (population) standard deviation as one pass over all rows, stably."""
        merged: dict[str, tuple[int, float, float]] = {}
        for partial in partials:
            for column, (n_b, mean_b, m2_b) in partial.items():
                if n_b == 0:
                    continue
                n_a, mean_a, m2_a = merged.get(column, (0, 0.0, 0.0))
                n = n_a + n_b
                delta = mean_b - mean_a
                merged[column] = (
                    n,
                    mean_a + delta * n_b / n,
                    m2_a + m2_b + delta * delta * n_a * n_b / n,
                )
        columns = self.feature_columns(empty, numeric=True)
        mean = {c: merged[c][1] if c in merged else float("nan") for c in columns}
        std = {}
        for column in columns:
            n, _, m2 = merged.get(column, (0, 0.0, 0.0))
            deviation = (m2 / n) ** 0.5 if n else float("nan")
            std[column] = deviation if deviation != 0 else 1.0
        return {"mean": mean, "std": std}

    def fit(self, train: pd.DataFrame) -> dict[str, Any]:
        columns = self.feature_columns(train, numeric=True)
        stds = train[columns].std(ddof=0).replace(0, 1.0)
        return {
            "mean": {c: float(train[c].mean()) for c in columns},
            "std": {c: float(stds[c]) for c in columns},
        }

    def transform(self, frame: pd.DataFrame, state: dict[str, Any]) -> pd.DataFrame:
        result = frame.copy()
        for column, mean in state["mean"].items():
            result[column] = (frame[column] - mean) / state["std"][column]
        return result


class OneHotEncoderStep(PreprocessorStep):
    """Categorical features to one 0/1 column per category seen in training."""

    def partial_fit(self, shard: pd.DataFrame) -> dict[str, list[str]]:
        columns = self.feature_columns(shard, numeric=False)
        return {c: sorted(str(v) for v in shard[c].dropna().unique()) for c in columns}

    def merge_fits(
        self, partials: list[dict[str, list[str]]], empty: pd.DataFrame
    ) -> dict[str, Any]:
        columns = self.feature_columns(empty, numeric=False)
        seen: dict[str, set[str]] = {c: set() for c in columns}
        for partial in partials:
            for column, categories in partial.items():
                seen.setdefault(column, set()).update(categories)
        return {c: sorted(seen[c]) for c in columns}

    def fit(self, train: pd.DataFrame) -> dict[str, Any]:
        columns = self.feature_columns(train, numeric=False)
        return {c: sorted(str(v) for v in train[c].dropna().unique()) for c in columns}

    def transform(self, frame: pd.DataFrame, state: dict[str, Any]) -> pd.DataFrame:
        result = frame.drop(columns=list(state))
        for column, categories in state.items():
            values = frame[column].astype(str)
            for category in categories:
                result[f"{column}={category}"] = (values == category).astype("int8")
        return result


def _partial_fit(shard: pd.DataFrame, step: PreprocessorStep) -> Any:
    return step.partial_fit(shard)


def _transform(shard: pd.DataFrame, step: PreprocessorStep, state: dict[str, Any]) -> pd.DataFrame:
    return step.transform(shard, state)


def _as_frame(part: pd.DataFrame | Dataset) -> pd.DataFrame:
    return part.to_pandas() if isinstance(part, Dataset) else part


def _as_dataset(part: pd.DataFrame | Dataset) -> Dataset:
    return part if isinstance(part, Dataset) else Dataset.from_pandas(part)


def _empty_frame(dataset: Dataset) -> pd.DataFrame:
    return dataset.schema.empty_table().to_pandas()
