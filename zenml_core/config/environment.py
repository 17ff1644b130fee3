"""Environment variables that override configuration for one process.

- ``ZENML_STACK=NAME`` selects the stack instead of the active one.
- ``ZENML_STEP_IMAGE`` is set by orchestrators in the container of a step they built an image
  for (its tag); nobody sets it by hand.
- ``ZENML_<KIND>__<FIELD>=VALUE`` overrides one config field of the selected stack's component
  of that kind, e.g. ``ZENML_ORCHESTRATOR__WORKERS=4`` or ``ZENML_ARTIFACT_STORE__PATH=/data``.

Values (from the environment or ``--key=value`` on the command line) are parsed by the field's
type: a ``str`` field takes the text as it is, any other field parses it as YAML
(``4`` -> 4, ``false`` -> False, ``[a, b]`` -> a list).
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Any

import attrs

from zenml_core.errors import ConfigError
from zenml_core.stack.component import ComponentKind

STACK_ENV = "ZENML_STACK"
# Set by orchestrators that run a step in the image they built for it: its tag, for engines
# that start workers from the same image (Dataflow's sdk_container_image).
STEP_IMAGE_ENV = "ZENML_STEP_IMAGE"
# Set (to 1) by orchestrators that retry failed steps themselves (Kubeflow's retry policy):
# the step runner then runs each attempt once instead of looping.
RETRIES_BY_ORCHESTRATOR_ENV = "ZENML_RETRIES_BY_ORCHESTRATOR"


def _field_types(config_cls: type) -> dict[str, Any]:
    return typing.get_type_hints(config_cls) if attrs.has(config_cls) else {}


def parse_field_value(config_cls: type, key: str, raw: str, *, source: str) -> Any:
    """Turn the text ``raw`` into a value for field ``key`` of ``config_cls``."""
    types = _field_types(config_cls)
    if key not in types:
        known = ", ".join(sorted(types)) or "none"
        raise ConfigError(f"{source}: unknown field {key!r} (fields: {known})")
    if types[key] in (str, str | None, typing.Optional[str]):  # noqa: UP045
        return raw
    import yaml

    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: cannot parse {raw!r} for field {key!r}") from exc


def component_overrides(
    kind: ComponentKind, config_cls: type, environ: Mapping[str, str]
) -> dict[str, Any]:
    """The field values that ``ZENML_<KIND>__<FIELD>`` variables set for this kind."""
    overrides = {}
    for variable, raw in environ.items():
        if variable.startswith(kind.env_prefix):
            key = variable.removeprefix(kind.env_prefix).lower()
            overrides[key] = parse_field_value(
                config_cls, key, raw, source=f"environment variable {variable}"
            )
    return overrides
