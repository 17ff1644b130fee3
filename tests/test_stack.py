"""Stacks built from the file, from Python keyword arguments, and overridden by the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from zenml_core.artifact_stores.local import LocalArtifactStore, LocalArtifactStoreConfig
from zenml_core.config.models import ComponentConfig, StackConfig
from zenml_core.errors import ConfigError, PluginError, StackError, UnknownFlavorError
from zenml_core.metadata_stores.schema import SCHEMA_VERSION
from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig
from zenml_core.orchestrators.local import LocalOrchestrator, LocalOrchestratorConfig
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack
from zenml_core.stack.component import ComponentKind
from zenml_core.stack.stack import Stack


def test_the_default_stack_is_local(repo: Repository, plugins: PluginManager) -> None:
    stack = load_stack(repo, plugins=plugins, environ={})
    assert stack.name == "default"
    assert isinstance(stack.artifact_store, LocalArtifactStore)
    assert stack.artifact_store.path == repo.root / ".zen" / "artifacts"
    assert isinstance(stack.metadata_store, SQLiteMetadataStore)
    assert stack.metadata_store.path == repo.root / ".zen" / "metadata.db"
    assert isinstance(stack.orchestrator, LocalOrchestrator)
    assert stack.processing_backend is None and stack.training_backend is None
    assert list(stack.components) == [
        ComponentKind.ARTIFACT_STORE,
        ComponentKind.METADATA_STORE,
        ComponentKind.ORCHESTRATOR,
    ]


def with_fast_stack(repo: Repository) -> None:
    config = repo.load_config().with_component(
        ComponentKind.ORCHESTRATOR, "fast", ComponentConfig("local", {"workers": 4})
    )
    repo.save_config(config.with_stack("fast", StackConfig("default", "default", "fast")))


def test_a_stack_can_be_selected_by_name_or_environment(
    repo: Repository, plugins: PluginManager
) -> None:
    with_fast_stack(repo)
    assert load_stack(repo, name="fast", plugins=plugins).orchestrator.config.workers == 4
    by_env = load_stack(repo, plugins=plugins, environ={"ZENML_STACK": "fast"})
    assert by_env.name == "fast" and by_env.orchestrator.name == "fast"
    with pytest.raises(StackError, match="no stack named 'nope'"):
        load_stack(repo, plugins=plugins, environ={"ZENML_STACK": "nope"})


def test_environment_variables_override_component_fields(
    repo: Repository, plugins: PluginManager
) -> None:
    environ = {"ZENML_ORCHESTRATOR__WORKERS": "3", "ZENML_ARTIFACT_STORE__PATH": "/data/art"}
    stack = load_stack(repo, plugins=plugins, environ=environ)
    assert stack.orchestrator.config == LocalOrchestratorConfig(workers=3)
    assert stack.artifact_store.path == Path("/data/art")
    with pytest.raises(ConfigError) as caught:
        load_stack(repo, plugins=plugins, environ={"ZENML_ORCHESTRATOR__WORKERS": "many"})
    assert str(caught.value) == (
        f"{repo.config_path}: orchestrator 'default' (local) with ZENML_ORCHESTRATOR__WORKERS: "
        "workers: expected int, got 'many'"
    )


def test_a_stack_can_be_built_from_keyword_arguments(tmp_path: Path) -> None:
    stack = Stack(
        name="scratch",
        artifact_store=LocalArtifactStore(
            name="a", config=LocalArtifactStoreConfig(path="art"), root=tmp_path
        ),
        metadata_store=SQLiteMetadataStore(
            name="m", config=SQLiteMetadataStoreConfig(path="m.db"), root=tmp_path
        ),
        orchestrator=LocalOrchestrator(name="o", config=LocalOrchestratorConfig(workers=1)),
    )
    stack.initialize()
    assert (tmp_path / "art").is_dir()
    assert stack.metadata_store.schema_version() == SCHEMA_VERSION


def test_a_component_of_the_wrong_kind_is_refused(tmp_path: Path) -> None:
    store = LocalArtifactStore(name="a", config=LocalArtifactStoreConfig(), root=tmp_path)
    with pytest.raises(
        TypeError,
        match="the metadata_store slot takes metadata store components, got LocalArtifactStore",
    ):
        Stack(name="bad", artifact_store=store, metadata_store=store, orchestrator=store)  # type: ignore[arg-type]


def edit_config(repo: Repository, old: str, new: str) -> None:
    text = repo.config_path.read_text()
    assert old in text
    repo.config_path.write_text(text.replace(old, new, 1))


def test_an_unknown_flavor_in_the_file_names_the_component(
    repo: Repository, plugins: PluginManager
) -> None:
    edit_config(repo, "flavor: sqlite", "flavor: postgres")
    with pytest.raises(
        UnknownFlavorError, match="metadata store 'default': unknown metadata store"
    ):
        load_stack(repo, plugins=plugins, environ={})


def test_a_bad_component_setting_names_file_component_and_field(
    repo: Repository, plugins: PluginManager
) -> None:
    edit_config(repo, "flavor: local\n      config: {}", "flavor: local\n      config: {path: 3}")
    with pytest.raises(ConfigError) as caught:
        load_stack(repo, plugins=plugins, environ={})
    assert str(caught.value) == (
        f"{repo.config_path}: artifact store 'default' (local): path: expected str, got 3"
    )


def test_an_implementation_of_the_wrong_kind_is_a_plugin_error(
    repo: Repository, plugins: PluginManager
) -> None:
    from zenml_core import hookimpl

    class Confused:
        @hookimpl
        def zenml_register_orchestrators(self, registry: object) -> None:
            registry.add(  # type: ignore[attr-defined]
                "confused",
                implementation="zenml_core.artifact_stores.local:LocalArtifactStore",
                config="zenml_core.orchestrators.local:LocalOrchestratorConfig",
            )

    plugins.register(Confused(), name="confused", distribution="zenml-confused")
    edit_config(
        repo,
        "orchestrator:\n    default:\n      flavor: local",
        "orchestrator:\n    default:\n      flavor: confused",
    )
    with pytest.raises(
        PluginError, match=r"from zenml-confused.*of kind 'artifact store', expected 'orchestrator'"
    ):
        load_stack(repo, plugins=plugins, environ={})
