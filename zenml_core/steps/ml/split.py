"""``SplitStep``: train / eval / test, by ratio, with a seed, optionally stratified."""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd
from attrs import frozen

from zenml_core.errors import ConfigError
from zenml_core.steps.base import BaseStep


class Split(NamedTuple):
    train: pd.DataFrame
    eval: pd.DataFrame
    test: pd.DataFrame


@frozen
class SplitParameters:
    """Fractions of rows for each part (they must add up to 1); ``stratify`` names a column
    whose class proportions every part keeps."""

    train: float = 0.7
    eval: float = 0.15
    test: float = 0.15
    seed: int = 42
    stratify: str | None = None


class SplitStep(BaseStep):
    """Splits a DataFrame in three. Override ``split`` for other logic."""

    PARAMETERS: ClassVar[type | None] = SplitParameters

    def entrypoint(self, data: pd.DataFrame) -> Split:
        return self.split(data)

    def split(self, data: pd.DataFrame) -> Split:
        p = self.parameters
        total = p.train + p.eval + p.test
        if not np.isclose(total, 1.0) or min(p.train, p.eval, p.test) < 0:
            raise ConfigError(
                f"step {self.name!r}: train, eval and test must be fractions adding up to 1, "
                f"got {p.train} + {p.eval} + {p.test} = {total:g}"
            )
        rng = np.random.default_rng(p.seed)
        if p.stratify is None:
            groups = [np.arange(len(data))]
        else:
            if p.stratify not in data.columns:
                raise ConfigError(f"step {self.name!r}: no column {p.stratify!r} to stratify by")
            labels = data[p.stratify].to_numpy()
            groups = [np.flatnonzero(labels == value) for value in pd.unique(labels)]
        parts: list[list[int]] = [[], [], []]
        for group in groups:
            shuffled = rng.permutation(group)
            train_end = round(len(shuffled) * p.train)
            eval_end = train_end + round(len(shuffled) * p.eval)
            for index, chunk in enumerate(np.split(shuffled, [train_end, eval_end])):
                parts[index].extend(chunk.tolist())
        train, eval_, test = (data.iloc[sorted(rows)].reset_index(drop=True) for rows in parts)
        return Split(train, eval_, test)
