"""The core's own defaults, registered through the same hooks as any plugin."""

from __future__ import annotations

from zenml_core.plugin import hookimpl
from zenml_core.plugin.registry import (
    ComponentRegistrar,
    MaterializerRegistrar,
    StepClassRegistrar,
)


@hookimpl
def zenml_register_artifact_stores(registry: ComponentRegistrar) -> None:
    registry.add(
        "local",
        implementation="zenml_core.artifact_stores.local:LocalArtifactStore",
        config="zenml_core.artifact_stores.local:LocalArtifactStoreConfig",
        description="A folder on this machine.",
    )


@hookimpl
def zenml_register_metadata_stores(registry: ComponentRegistrar) -> None:
    registry.add(
        "sqlite",
        implementation="zenml_core.metadata_stores.sqlite:SQLiteMetadataStore",
        config="zenml_core.metadata_stores.sqlite:SQLiteMetadataStoreConfig",
        description="A SQLite database file (WAL mode).",
    )
    registry.add(
        "mysql",
        implementation="zenml_core.metadata_stores.mysql:MySQLMetadataStore",
        config="zenml_core.metadata_stores.mysql:MySQLMetadataStoreConfig",
        description="A MySQL or MariaDB database for teams (needs zenml-core[mysql]).",
        extras=("mysql",),
    )


@hookimpl
def zenml_register_orchestrators(registry: ComponentRegistrar) -> None:
    registry.add(
        "local",
        implementation="zenml_core.orchestrators.local:LocalOrchestrator",
        config="zenml_core.orchestrators.local:LocalOrchestratorConfig",
        description="Runs steps in this process, independent steps concurrently.",
    )


@hookimpl
def zenml_register_processing_backends(registry: ComponentRegistrar) -> None:
    registry.add(
        "local",
        implementation="zenml_core.backends.local:LocalProcessingBackend",
        config="zenml_core.backends.local:LocalProcessingBackendConfig",
        description="A pool of processes on this machine over a Dataset's shards.",
        extras=("ml",),
    )


_JSON_TYPES = ("int", "float", "bool", "str", "list", "dict", "tuple")


@hookimpl
def zenml_register_materializers(registry: MaterializerRegistrar) -> None:
    builtin = "zenml_core.materializers.builtin"
    for name in _JSON_TYPES:
        registry.add(f"builtins:{name}", materializer=f"{builtin}:JSONMaterializer")
    registry.add("types:NoneType", materializer=f"{builtin}:JSONMaterializer")
    registry.add("builtins:bytes", materializer=f"{builtin}:BytesMaterializer")
    registry.add("numpy:ndarray", materializer="zenml_core.materializers.numpy:NumpyMaterializer")
    for name in ("DataFrame", "Series"):
        registry.add(
            f"pandas:{name}", materializer="zenml_core.materializers.pandas:PandasMaterializer"
        )
    registry.add(
        "zenml_core.dataset:Dataset",
        materializer="zenml_core.materializers.dataset:DatasetMaterializer",
    )


_STEP_CLASSES = {
    "importers": {
        "ImporterStep": "Base class: produce the data set (override read).",
        "CSVImporter": "Read a CSV file (not cached: the file may change).",
        "PackageDatasetImporter": "Load a data set that ships with a package (no download).",
        "DataFrameImporter": "Feed an in-memory DataFrame (in-process orchestrators only).",
        "CSVDatasetImporter": "Stream CSV files into a sharded Dataset (never whole in memory).",
        "ParquetDatasetImporter": "Stream Parquet files into a sharded Dataset.",
    },
    "split": {
        "SplitStep": "Train/eval/test by ratio, seeded; stratified, or hashed for Datasets.",
    },
    "preprocessing": {
        "PreprocessorStep": "Base class: fit on train, transform train/eval/test.",
        "StandardScalerStep": "Scale numeric features to zero mean, unit variance.",
        "OneHotEncoderStep": "One 0/1 column per category of categorical features.",
    },
    "training": {"TrainerStep": "Base class: train and eval data in, a model out."},
    "evaluation": {
        "EvaluatorStep": "Base class: model and test data in, metrics out (and logged).",
        "ClassificationEvaluator": "Accuracy, precision, recall and F1.",
    },
}


@hookimpl
def zenml_register_step_classes(registry: StepClassRegistrar) -> None:
    for module, classes in _STEP_CLASSES.items():
        for name, description in classes.items():
            registry.add(
                name,
                implementation=f"zenml_core.steps.ml.{module}:{name}",
                description=description,
            )
