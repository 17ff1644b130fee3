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


def public_settings(config: Any) -> dict[str, Any]:
    """``config`` as plain data with every secret that is set replaced by ``********``."""
    data: dict[str, Any] = unstructure(config)
    if attrs.has(type(config)):
        for field in attrs.fields(type(config)):
            if field.metadata.get(SECRET) and data.get(field.name) is not None:
                data[field.name] = MASK
    return data
