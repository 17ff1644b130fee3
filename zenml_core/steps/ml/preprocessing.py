"""``PreprocessorStep``: fit on the training part, transform all three the same way."""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

import pandas as pd
from attrs import frozen

from zenml_core.steps.base import BaseStep


class Preprocessed(NamedTuple):
    train: pd.DataFrame
    eval: pd.DataFrame
    test: pd.DataFrame
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

    def entrypoint(
        self, train: pd.DataFrame, eval: pd.DataFrame, test: pd.DataFrame
    ) -> Preprocessed:
        state = self.fit(train)
        return Preprocessed(
            self.transform(train, state),
            self.transform(eval, state),
            self.transform(test, state),
            state,
        )

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
