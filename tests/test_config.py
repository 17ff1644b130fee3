"""Configuration files and values: strict types, errors naming key, type and file."""

from __future__ import annotations

from pathlib import Path

import pytest
from attrs import field, frozen

from zenml_core.config.converter import structure, unstructure
from zenml_core.config.environment import component_overrides, parse_field_value
from zenml_core.config.files import read_repository_config, write_repository_config
from zenml_core.config.models import ComponentConfig, RepositoryConfig, StackConfig
from zenml_core.errors import ConfigError, StackError
from zenml_core.stack.component import ComponentKind


@frozen
class Settings:
    workers: int | None = None
    name: str = "x"
    ratio: float = 0.5
    verbose: bool = False
    tags: list[str] = field(factory=list)


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_default_config_round_trips_through_yaml(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    write_repository_config(path, RepositoryConfig.default())
    assert read_repository_config(path) == RepositoryConfig.default()
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["config.yaml"]  # no temporary file left


def test_rewriting_keeps_the_file_mode(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    write_repository_config(path, RepositoryConfig.default())
    path.chmod(0o600)
    write_repository_config(path, RepositoryConfig.default().with_active_stack("default"))
    assert path.stat().st_mode & 0o777 == 0o600


def test_malformed_yaml_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "config.yaml", "version: 1\nstacks: [\n")
    with pytest.raises(ConfigError, match=rf"{path}: malformed YAML at line 3"):
        read_repository_config(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("active_stack: 3\n", "active_stack: expected str, got 3"),
        ("version: one\n", "version: expected int, got 'one'"),
        ("stackz: {}\n", r"extra fields found \(stackz\)"),
        ("components: {orchestrators: {}}\n", "expected one of artifact_store, .*'orchestrators'"),
        (
            "stacks: {s: {artifact_store: a, metadata_store: m}}\n",
            "stacks.s.orchestrator: required key missing",
        ),
        ("- a list\n", "expected a mapping at the top level, got list"),
        ("version: 99\n", "config version 99 is newer .* upgrade zenml-core"),
        ("active_stack: nope\n", "active_stack: no stack named 'nope'"),
        (
            "stacks: {default: {artifact_store: a, metadata_store: m, orchestrator: o}}\n",
            "stacks.default.artifact_store: no artifact store named 'a'",
        ),
    ],
)
def test_bad_files_name_the_key_and_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "config.yaml", text)
    with pytest.raises(ConfigError, match=message) as caught:
        read_repository_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_structure_is_strict_about_scalars() -> None:
    assert structure({"workers": 3, "ratio": 1}, Settings, source="s") == Settings(3, ratio=1.0)
    for data, problem in [
        ({"workers": "3"}, "workers: expected int, got '3'"),
        ({"workers": True}, "workers: expected int, got True"),
        ({"name": None}, "name: expected str, got None"),
        ({"verbose": "yes"}, "verbose: expected bool, got 'yes'"),
        ({"tags": ["a", 2]}, r"tags.1: expected str, got 2"),
    ]:
        with pytest.raises(ConfigError, match=rf"^src: {problem}$"):
            structure(data, Settings, source="src")


def test_several_problems_are_reported_together() -> None:
    with pytest.raises(ConfigError, match=r"workers: expected int.*; name: expected str"):
        structure({"workers": "x", "name": 1}, Settings, source="src")


def test_unstructure_writes_plain_values() -> None:
    data = unstructure(RepositoryConfig.default())
    assert list(data["components"]) == [kind.value for kind in ComponentKind]
    assert all(type(key) is str for key in data["components"])


@pytest.mark.parametrize(
    ("key", "raw", "value"),
    [
        ("workers", "4", 4),
        ("workers", "null", None),
        ("name", "123", "123"),  # str fields keep the text as it is
        ("name", "yes", "yes"),
        ("verbose", "false", False),
        ("ratio", "0.25", 0.25),
        ("tags", "[a, b]", ["a", "b"]),
    ],
)
def test_text_values_are_parsed_by_field_type(key: str, raw: str, value: object) -> None:
    assert parse_field_value(Settings, key, raw, source="test") == value


def test_unknown_field_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"--wrkers: unknown field 'wrkers' \(fields: name, "):
        parse_field_value(Settings, "wrkers", "1", source="--wrkers")


def test_environment_overrides_are_per_kind_and_field() -> None:
    environ = {
        "ZENML_ORCHESTRATOR__WORKERS": "8",
        "ZENML_ORCHESTRATOR__VERBOSE": "true",
        "ZENML_ARTIFACT_STORE__WORKERS": "1",
        "ZENML_STACK": "other",
    }
    assert component_overrides(ComponentKind.ORCHESTRATOR, Settings, environ) == {
        "workers": 8,
        "verbose": True,
    }
    with pytest.raises(ConfigError, match="environment variable ZENML_METADATA_STORE__NOPE"):
        component_overrides(
            ComponentKind.METADATA_STORE, Settings, {"ZENML_METADATA_STORE__NOPE": "1"}
        )


def test_config_changes_keep_the_configuration_consistent() -> None:
    config = RepositoryConfig.default()
    kind = ComponentKind.ORCHESTRATOR
    config = config.with_component(kind, "fast", ComponentConfig("local", {"workers": 4}))
    with pytest.raises(StackError, match="orchestrator named 'fast' already exists"):
        config.with_component(kind, "fast", ComponentConfig("local"))
    with pytest.raises(StackError, match="no orchestrator named 'missing'"):
        config.with_stack("s", StackConfig("default", "default", "missing"))
    config = config.with_stack("s", StackConfig("default", "default", "fast"))
    with pytest.raises(StackError, match="stack named 's' already exists"):
        config.with_stack("s", StackConfig("default", "default", "fast"))
    with pytest.raises(StackError, match=r"orchestrator 'fast' is used by stack\(s\) s"):
        config.without_component(kind, "fast")
    config = config.with_active_stack("s")
    with pytest.raises(StackError, match="'s' is the active stack"):
        config.without_stack("s")
    config = config.with_active_stack("default").without_stack("s").without_component(kind, "fast")
    assert config == RepositoryConfig.default()
    with pytest.raises(StackError, match=r"no stack named 'gone' \(registered: default\)"):
        config.with_active_stack("gone")
