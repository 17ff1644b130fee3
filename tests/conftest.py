"""Shared fixtures: scratch git repositories, isolated plugin managers, the test plugins."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from zenml_core.cli.main import CLIContext, build_cli
from zenml_core.plugin.manager import PluginManager, create_plugin_manager
from zenml_core.repository import Repository
from zenml_core.testing.services import MYSQL, reset_mysql
from zenml_core.testing.sources import clean_copies

__all__ = ["reset_mysql"]  # imported from here by the tests

TEST_PLUGINS = Path(__file__).parent / "plugins"


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No ZENML_* variable of the developer's shell leaks into a test."""
    for name in list(os.environ):
        if name.startswith("ZENML_"):
            monkeypatch.delenv(name)


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty git repository, made the current directory."""
    root = tmp_path / "project"
    root.mkdir()
    git("init", "-q", cwd=root)
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def plugins() -> PluginManager:
    """A plugin manager with only the core's defaults (no entry points)."""
    return create_plugin_manager(autoload=False)


@pytest.fixture
def repo(git_repo: Path, plugins: PluginManager) -> Repository:
    """An initialized zenml repository at the root of ``git_repo``."""
    repository, _ = Repository.initialize(git_repo, plugins=plugins)
    return repository


GOOD = """
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step


    @step
    def one() -> int:
        return 1


    @pipeline
    def fine():
        one()
"""  # the smallest pipeline file: one step


@pytest.fixture
def project(git_repo: Path) -> Path:
    """A repository with good.py, initialized, one run of it recorded (modules may
    define a project of their own)."""
    (git_repo / "good.py").write_text(textwrap.dedent(GOOD))
    assert run_zenml("init", cwd=git_repo).returncode == 0
    assert run_zenml("pipeline", "run", "good.py:fine", cwd=git_repo).returncode == 0
    return git_repo


class Cli:
    """Runs ``zenml`` in this process against a given plugin manager."""

    def __init__(self, plugins: PluginManager) -> None:
        self.plugins = plugins

    def __call__(self, *args: str, expect: int = 0, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner()
        result = runner.invoke(
            build_cli(self.plugins), list(args), obj=CLIContext(self.plugins), env=env
        )
        assert result.exit_code == expect, (
            f"zenml {' '.join(args)} exited {result.exit_code}, expected {expect}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}\n{result.exception!r}"
        )
        return result


@pytest.fixture
def cli(plugins: PluginManager) -> Cli:
    return Cli(plugins)


@pytest.fixture(scope="session")
def installed_plugins(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The test plugin distributions, really installed (with pip) into a folder of their own.

    Put the folder on ``sys.path``/``PYTHONPATH`` to make their entry points visible.
    """
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--target",
            str(target),
            *clean_copies(
                [TEST_PLUGINS / "zenml-tiny", TEST_PLUGINS / "zenml-broken"],
                tmp_path_factory.mktemp("sources"),
            ),
        ],
        check=True,
    )
    return target


@pytest.fixture
def tiny_plugin(
    installed_plugins: Path, plugins: PluginManager, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PluginManager]:
    """``plugins`` with the installed zenml-tiny plugin registered in this process."""
    monkeypatch.syspath_prepend(str(installed_plugins))
    import zenml_tiny.plugin

    plugins.register(zenml_tiny.plugin, name="tiny", distribution="zenml-tiny", version="0.3.1")
    yield plugins
    plugins.unregister("tiny")


def run_zenml(
    *args: str, cwd: Path, extra_path: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``zenml`` console script in a fresh process."""
    script = Path(sys.executable).with_name("zenml")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZENML_")}
    if extra_path is not None:
        environment["PYTHONPATH"] = str(extra_path)
    environment.update(env or {})
    return subprocess.run(
        [str(script), *args], cwd=cwd, env=environment, capture_output=True, text=True
    )


# -- services -----------------------------------------------------------------------------------


def mysql_settings() -> dict[str, object]:
    """Settings of a ``mysql`` metadata store pointing at the test database."""
    return dict(MYSQL)
