"""``Dataset`` artifacts: the shards are hashed by their writers and checked by their readers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from zenml_core.dataset import Dataset, read_manifest
from zenml_core.materializers.base import BaseMaterializer


class DatasetMaterializer(BaseMaterializer):
    READS_IN_PLACE = True  # the manifest is read, the shards stay where they are

    def save(self, value: Any, folder: Path) -> Mapping[str, Any]:
        dataset: Dataset = value
        return dataset.save(folder)

    def load(self, folder: str | Path, data_type: type) -> Any:
        return Dataset.open(folder)

    @classmethod
    def file_hashes(cls, folder: str | Path) -> Mapping[str, str]:
        shards, _ = read_manifest(folder)
        return {shard.file: shard.content_hash for shard in shards}
