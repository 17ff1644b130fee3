"""``SplitStep``: train / eval / test, by ratio, with a seed, optionally stratified.

A DataFrame is split by a seeded permutation (exact fractions, ``stratify`` keeps class
proportions exactly). A ``Dataset`` is split shard by shard on the processing backend: each
row goes where a seeded hash of the row (or of the ``key`` column) sends it, so the result does
not depend on how the data is sharded or which engine runs it, and the fractions hold in
expectation (stratification too, since every class is hashed the same way).
"""

from __future__ import annotations

from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd
from attrs import frozen

from zenml_core.dataset import Dataset
from zenml_core.errors import ConfigError
from zenml_core.steps.base import BaseStep
from zenml_core.steps.context import step_context


class Split(NamedTuple):
    train: pd.DataFrame | Dataset
    eval: pd.DataFrame | Dataset
    test: pd.DataFrame | Dataset


@frozen
class SplitParameters:
    """Fractions of rows for each part (they must add up to 1); ``stratify`` names a column
    whose class proportions every part keeps."""

    train: float = 0.7
    eval: float = 0.15
    test: float = 0.15
    seed: int = 42
    stratify: str | None = None
    key: str | None = None  # Datasets: hash this column instead of the whole row


class SplitStep(BaseStep):
    """Splits a DataFrame or a Dataset in three. Override ``split`` for other logic."""

    PARAMETERS: ClassVar[type | None] = SplitParameters
    USES_PROCESSING_BACKEND: ClassVar[bool] = True

    def entrypoint(self, data: pd.DataFrame | Dataset) -> Split:
        self._check_fractions()
        if isinstance(data, Dataset):
            return self.split_dataset(data)
        return self.split(data)

    def _check_fractions(self) -> None:
        p = self.parameters
        total = p.train + p.eval + p.test
        if not np.isclose(total, 1.0) or min(p.train, p.eval, p.test) < 0:
            raise ConfigError(
                f"step {self.name!r}: train, eval and test must be fractions adding up to 1, "
                f"got {p.train} + {p.eval} + {p.test} = {total:g}"
            )

    def split_dataset(self, data: Dataset) -> Split:
        """The hash split, one pass over the shards on the processing backend."""
        p = self.parameters
        if p.key is not None and p.key not in data.schema.names:
            raise ConfigError(f"step {self.name!r}: no column {p.key!r} to split by")
        bounds = (p.train, p.train + p.eval)
        parts = step_context().processing.split_shards(
            hash_split_shard, data, p.seed, bounds, p.key, parts=3
        )
        return Split(*parts)

    def split(self, data: pd.DataFrame) -> Split:
        p = self.parameters
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


def row_positions(frame: pd.DataFrame, seed: int, key: str | None) -> np.ndarray:
    """Each row's place in [0, 1): a seeded hash of the row (or of its ``key`` value), the
    same whichever shard or engine the row is in."""
    hashed = pd.util.hash_pandas_object(
        frame[[key]] if key is not None else frame, index=False
    ).to_numpy(dtype=np.uint64)
    # pandas hashes numbers without a key: mix the seed in (splitmix64's finaliser).
    with np.errstate(over="ignore"):
        mixed = hashed + np.uint64((seed * 0x9E3779B97F4A7C15) % (1 << 64))
        mixed ^= mixed >> np.uint64(30)
        mixed *= np.uint64(0xBF58476D1CE4E5B9)
        mixed ^= mixed >> np.uint64(27)
        mixed *= np.uint64(0x94D049BB133111EB)
        mixed ^= mixed >> np.uint64(31)
    positions: np.ndarray = (mixed >> np.uint64(11)).astype(np.float64) / float(1 << 53)
    return positions


def hash_split_shard(
    frame: pd.DataFrame, seed: int, bounds: tuple[float, float], key: str | None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """One shard's train, eval and test rows (runs on the processing backend)."""
    place = row_positions(frame, seed, key)
    train = place < bounds[0]
    test = place >= bounds[1]
    evaluation = ~train & ~test
    return (
        frame[train].reset_index(drop=True),
        frame[evaluation].reset_index(drop=True),
        frame[test].reset_index(drop=True),
    )
