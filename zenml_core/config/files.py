"""Reading and writing ``.zen/config.yaml``: strict on read, atomic on write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from zenml_core.config.converter import structure, unstructure
from zenml_core.config.models import CONFIG_VERSION, RepositoryConfig
from zenml_core.errors import ConfigError
from zenml_core.utils.files import write_text_atomically


def load_yaml(path: Path) -> Any:
    """Parse a YAML file; a syntax error names the file and the line."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path}: not UTF-8 text (byte {exc.start} is 0x{exc.object[exc.start]:02x}); "
            "restore the file from git or write it again"
        ) from exc
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{path}: malformed YAML{where}: {problem}") from exc


def read_repository_config(path: Path) -> RepositoryConfig:
    """Load and check the repository configuration (types, version, references)."""
    data = load_yaml(path)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    if isinstance(data.get("version"), int) and data["version"] > CONFIG_VERSION:
        raise ConfigError(
            f"{path}: config version {data['version']} is newer than this zenml-core supports "
            f"({CONFIG_VERSION}); upgrade zenml-core"
        )
    config = structure(data, RepositoryConfig, source=str(path))
    _check_references(config, path)
    return config


def _check_references(config: RepositoryConfig, path: Path) -> None:
    problems = []
    if config.active_stack not in config.stacks:
        problems.append(f"active_stack: no stack named {config.active_stack!r}")
    for stack_name, stack in config.stacks.items():
        for kind, name in stack.component_names().items():
            if name not in config.components.get(kind, {}):
                problems.append(f"stacks.{stack_name}.{kind.value}: no {kind.noun} named {name!r}")
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))


def write_repository_config(path: Path, config: RepositoryConfig, *, private: bool = False) -> None:
    """Write the configuration atomically: readers see the old file or the new one, never half.

    ``private`` (the file now holds a secret) makes it readable by the owner only, for good:
    later writes keep the mode they find.
    """
    import yaml

    data = unstructure(config)
    for stack in data["stacks"].values():
        for key in [key for key, value in stack.items() if value is None]:
            del stack[key]
    text = yaml.safe_dump(data, sort_keys=False, default_flow_style=False)
    try:
        # later writes keep the mode they find (0600 once private)
        write_text_atomically(path, text, mode=0o600 if private else None)
    except OSError as exc:
        raise ConfigError(f"cannot write {path}: {exc.strerror}") from exc
