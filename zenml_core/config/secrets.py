"""Secret configuration fields: kept out of command output and run records."""

from __future__ import annotations

from typing import Any

import attrs

from zenml_core.config.converter import unstructure

SECRET = "zenml_secret"
MASK = "********"


def secret_field(**kwargs: Any) -> Any:
    """An attrs field whose value ``describe`` and run records never show."""
    return attrs.field(metadata={SECRET: True}, repr=False, **kwargs)


def secret_fields(config: Any) -> list[str]:
    """Names of the secret fields of a config object."""
    if not attrs.has(type(config)):
        return []
    return [field.name for field in attrs.fields(type(config)) if field.metadata.get(SECRET)]


def public_settings(config: Any) -> dict[str, Any]:
    """``config`` as plain data with every secret that is set replaced by ``********``."""
    data: dict[str, Any] = unstructure(config)
    for name in secret_fields(config):
        if data.get(name) is not None:
            data[name] = MASK
    return data
