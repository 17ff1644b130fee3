"""The core's own stores and orchestrator pass the conformance suites plugins use."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import mysql_settings, reset_mysql

from zenml_core.artifact_stores.local import LocalArtifactStore, LocalArtifactStoreConfig
from zenml_core.metadata_stores.mysql import MySQLMetadataStore, MySQLMetadataStoreConfig
from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack
from zenml_core.testing.conformance import (
    ArtifactStoreConformance,
    MetadataStoreConformance,
    OrchestratorConformance,
    ProcessingBackendConformance,
)


class TestLocalArtifactStore(ArtifactStoreConformance):
    @pytest.fixture
    def artifact_store(self, tmp_path: Path) -> LocalArtifactStore:
        store = LocalArtifactStore(
            name="a", config=LocalArtifactStoreConfig(path="art"), root=tmp_path
        )
        store.initialize()
        return store


class TestSQLiteMetadataStore(MetadataStoreConformance):
    @pytest.fixture
    def metadata_store(self, tmp_path: Path) -> SQLiteMetadataStore:
        return SQLiteMetadataStore(
            name="m", config=SQLiteMetadataStoreConfig(path="m.db"), root=tmp_path
        )


class TestMySQLMetadataStore(MetadataStoreConformance):
    @pytest.fixture
    def metadata_store(self) -> MySQLMetadataStore:
        reset_mysql()
        return MySQLMetadataStore(name="m", config=MySQLMetadataStoreConfig(**mysql_settings()))


class TestLocalOrchestrator(OrchestratorConformance):
    @pytest.fixture
    def orchestrator_stack(self, zenml_project: Repository, zenml_plugins: Any) -> Any:
        return load_stack(zenml_project, plugins=zenml_plugins, environ={})


class TestInProcessShards(ProcessingBackendConformance):
    """No processing backend in the stack: the same steps, shard after shard, here."""

    @pytest.fixture
    def processing_stack(self, zenml_project: Repository, zenml_plugins: Any) -> Any:
        from zenml_core.backends.base import BaseProcessingBackend

        class InProcess(BaseProcessingBackend[Any]):
            def session(self, **arguments: Any) -> Any:
                from zenml_core.backends.processing import ProcessingSession

                return ProcessingSession(arguments["scratch_root"], {})

        stack = load_stack(zenml_project, plugins=zenml_plugins, environ={})
        return _with_backend(stack, InProcess(name="here", config=None))


class TestLocalProcessingBackend(ProcessingBackendConformance):
    @pytest.fixture
    def processing_stack(self, zenml_project: Repository, zenml_plugins: Any) -> Any:
        from zenml_core.backends.local import LocalProcessingBackend, LocalProcessingBackendConfig

        backend = LocalProcessingBackend(
            name="pool", config=LocalProcessingBackendConfig(workers=2), flavor="local"
        )
        stack = load_stack(zenml_project, plugins=zenml_plugins, environ={})
        return _with_backend(stack, backend)


def _with_backend(stack: Any, backend: Any) -> Any:
    from attrs import evolve

    return evolve(stack, processing_backend=backend)
