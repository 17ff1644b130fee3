"""The pytest plugin zenml-core registers (entry point ``pytest11``): fixtures for suites."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from zenml_core.plugin.manager import PluginManager, create_plugin_manager
from zenml_core.repository import Repository


@pytest.fixture
def zenml_plugins() -> PluginManager:
    """A plugin manager with every installed plugin (the ones under test included)."""
    return create_plugin_manager()


@pytest.fixture
def zenml_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zenml_plugins: PluginManager
) -> Repository:
    """A fresh git repository with ``zenml init`` done, made the current directory."""
    root = tmp_path / "zenml-project"
    root.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    monkeypatch.chdir(root)
    repository, _ = Repository.initialize(root, plugins=zenml_plugins)
    return repository
