"""The ``zenml`` commands, run in this process with Click's test runner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli

from zenml_core.errors import StackError
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.component import ComponentKind


def test_version(cli: Cli) -> None:
    assert cli("version").stdout.startswith("zenml-core 0.")


def test_init_creates_and_then_leaves_alone(cli: Cli, git_repo: Path) -> None:
    first = cli("init").stdout
    assert f"Initialized zenml repository in {git_repo / '.zen'}" in first
    assert "Already initialized" in cli("init").stdout


def test_init_outside_git_is_a_one_line_error(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli("init", expect=1)
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: ") and "run `git init` first" in result.stderr


def test_errors_show_a_traceback_only_with_debug(cli: Cli, git_repo: Path) -> None:
    quiet = cli("stack", "list", expect=1)
    assert quiet.stderr.startswith("Error: no zenml repository")
    assert "Traceback" not in quiet.stderr
    loud = cli("--debug", "stack", "list", expect=1)
    assert isinstance(loud.exception, Exception) and "no zenml repository" in str(loud.exception)


def test_status_shows_repository_stack_and_git(cli: Cli, repo: Repository) -> None:
    document = json.loads(cli("status", "--output", "json").stdout)
    assert document["repository"] == str(repo.root)
    assert document["active_stack"] == "default"
    assert document["components"]["orchestrator"] == "default (local)"
    assert document["git"]["dirty"] is True  # .zen/config.yaml is not committed yet
    assert document["plugins"] == ["zenml-core"]
    assert "active_stack: default" in cli("status").stdout


def test_stack_lifecycle(cli: Cli, repo: Repository) -> None:
    cli("orchestrator", "register", "fast", "--flavor", "local", "--workers=4")
    assert (
        "Registered stack 'fast'"
        in cli("stack", "register", "fast", "-a", "default", "-m", "default", "-o", "fast").stdout
    )
    rows = json.loads(cli("stack", "list", "--output", "json").stdout)
    assert [(row["name"], row["active"], row["orchestrator"]) for row in rows] == [
        ("default", True, "default"),
        ("fast", False, "fast"),
    ]
    table = cli("stack", "list").stdout.splitlines()
    assert table[0].split()[:5] == [
        "ACTIVE",
        "NAME",
        "ARTIFACT_STORE",
        "METADATA_STORE",
        "ORCHESTRATOR",
    ]
    assert table[1].split()[:2] == ["*", "default"]

    assert cli("stack", "set", "fast").stdout == "Active stack: fast\n"
    described = json.loads(cli("stack", "describe", "--output", "json").stdout)
    assert described["stack"] == "fast"
    assert described["components"]["orchestrator"] == {
        "name": "fast",
        "flavor": "local",
        "settings": {"workers": 4, "heavy_workers": None},
    }
    overridden = cli(
        "stack", "describe", "--output", "json", env={"ZENML_ORCHESTRATOR__WORKERS": "9"}
    )
    assert json.loads(overridden.stdout)["components"]["orchestrator"]["settings"] == {
        "workers": 9,
        "heavy_workers": None,
    }

    refused = cli("stack", "delete", "fast", expect=1)
    assert "'fast' is the active stack; `zenml stack set OTHER`" in refused.stderr
    in_use = cli("orchestrator", "delete", "fast", expect=1)
    assert "orchestrator 'fast' is used by stack(s) fast" in in_use.stderr
    cli("stack", "set", "default")
    cli("stack", "delete", "fast")
    cli("orchestrator", "delete", "fast")
    assert repo.load_config().stacks.keys() == {"default"}


def test_stack_register_checks_components_and_can_activate(cli: Cli, repo: Repository) -> None:
    missing = cli(
        "stack", "register", "s", "-a", "default", "-m", "nope", "-o", "default", expect=1
    )
    assert "no metadata store named 'nope'; see `zenml metadata-store list`" in missing.stderr
    cli("stack", "register", "s", "-a", "default", "-m", "default", "-o", "default", "--set")
    assert repo.load_config().active_stack == "s"


@pytest.mark.parametrize("kind", list(ComponentKind))
def test_component_verbs_for_every_kind(
    cli: Cli, repo: Repository, tiny_plugin: PluginManager, kind: ComponentKind
) -> None:
    group = kind.cli_name
    flavors = json.loads(cli(group, "flavors", "--output", "json").stdout)
    assert {"flavor": "tiny", "distribution": "zenml-tiny"}.items() <= flavors[-1].items()

    cli(group, "register", "t1", "--flavor", "tiny", "--size=3", "--label", "x y", "verbose=true")
    component = repo.load_config().component(kind, "t1")
    assert (component.flavor, component.config) == (
        "tiny",
        {"size": 3, "label": "x y", "verbose": True},
    )
    listed = json.loads(cli(group, "list", "--output", "json").stdout)
    assert [row["name"] for row in listed] == (["default", "t1"] if kind.required else ["t1"])
    described = json.loads(cli(group, "describe", "t1", "--output", "json").stdout)
    assert described["distribution"] == "zenml-tiny"
    assert described["settings"] == {"size": 3, "label": "x y", "verbose": True}
    assert "settings:\n  size: 3\n" in cli(group, "describe", "t1").stdout

    bad = cli(group, "register", "t2", "--flavor", "tiny", "--size=big", expect=1)
    assert (
        bad.stderr
        == f"Error: command line: {kind.noun} 't2' (tiny): size: expected int, got 'big'\n"
    )
    unknown = cli(group, "register", "t2", "--flavor", "nope", expect=1)
    assert f"unknown {kind.noun} flavor 'nope' (installed: " in unknown.stderr
    assert f"`zenml {group} flavors`" in unknown.stderr

    cli(group, "delete", "t1")
    with pytest.raises(StackError):
        repo.load_config().component(kind, "t1")
    assert "no " in cli(group, "delete", "t1", expect=1).stderr


def test_a_stack_with_optional_backends(
    cli: Cli, repo: Repository, tiny_plugin: PluginManager
) -> None:
    cli("processing-backend", "register", "p", "--flavor", "tiny")
    cli("training-backend", "register", "t", "--flavor", "tiny")
    cli(
        "stack",
        "register",
        "full",
        "-a",
        "default",
        "-m",
        "default",
        "-o",
        "default",
        "-p",
        "p",
        "-t",
        "t",
    )
    rows = json.loads(cli("stack", "list", "--output", "json").stdout)
    assert rows[1]["processing_backend"] == "p" and rows[1]["training_backend"] == "t"
    described = json.loads(cli("stack", "describe", "full", "--output", "json").stdout)
    assert described["components"]["training_backend"]["settings"]["label"] == "tiny"


def test_plugins_list_shows_distributions_and_what_they_register(
    cli: Cli, tiny_plugin: PluginManager
) -> None:
    rows = json.loads(cli("plugins", "list", "--output", "json").stdout)
    tiny = next(row for row in rows if row["distribution"] == "zenml-tiny")
    assert tiny["version"] == "0.3.1" and tiny["status"] == "loaded"
    assert "orchestrator:tiny" in tiny["provides"]
    assert "materializer:zenml_tiny.components:TinyValue" in tiny["provides"]
    assert "step-class:TinyStep" in tiny["provides"]


def test_settings_that_cannot_be_read_are_refused(cli: Cli, repo: Repository) -> None:
    result = cli("orchestrator", "register", "o", "--flavor", "local", "workers", expect=1)
    assert "cannot read setting 'workers'; write --key=value" in result.stderr


def test_secrets_are_never_shown_or_recorded(
    cli: Cli, repo: Repository, plugins: PluginManager
) -> None:
    cli(
        "metadata-store",
        "register",
        "team",
        "--flavor",
        "mysql",
        "--database=zenml",
        "--password=hunter2",
    )
    described = cli("metadata-store", "describe", "team").stdout
    assert "hunter2" not in described and "password: '********'" in described
    cli("stack", "register", "team", "-a", "default", "-m", "team", "-o", "default")
    assert "hunter2" not in cli("stack", "describe", "team").stdout

    from zenml_core.execution.lifecycle import describe_stack
    from zenml_core.metadata_stores.mysql import MySQLMetadataStore, MySQLMetadataStoreConfig
    from zenml_core.stack.builder import load_stack

    stack = load_stack(repo, plugins=plugins, environ={})
    secret = MySQLMetadataStore(
        name="team", config=MySQLMetadataStoreConfig(database="z", password="hunter2")
    )
    recorded = describe_stack(
        type(stack)(
            name="x",
            artifact_store=stack.artifact_store,
            metadata_store=secret,
            orchestrator=stack.orchestrator,
        )
    )
    assert recorded["metadata_store"]["settings"]["password"] == "********"
    assert "hunter2" not in repr(secret.config)


@pytest.mark.parametrize("output", ["table", "json"])
def test_a_reader_that_leaves_early_ends_the_command_quietly(git_repo: Path, output: str) -> None:
    """`zenml runs list | head -1`: the pipe closes before zenml writes; exit 141, no message."""
    import subprocess
    import sys

    from conftest import run_zenml

    assert run_zenml("init", cwd=git_repo).returncode == 0
    zenml = Path(sys.executable).with_name("zenml")
    for command in (["runs", "list", "--output", output], ["stack", "list", "--output", output]):
        process = subprocess.Popen(
            [str(zenml), *command], cwd=git_repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before the command prints anything
        stderr = process.stderr.read().decode()
        assert process.wait() == 141 and stderr == "", stderr
