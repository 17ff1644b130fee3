"""Checks on the values of configuration fields, run when a setting is given (``register``,
the config file, the environment), so a bad value fails there and not in a later run.

Use them as attrs validators: ``workers: int | None = field(default=None,
validator=optional(positive))``; the converter reports them like type errors, naming the
source and the key.
"""

from __future__ import annotations

from typing import Any

from attrs import Attribute
from attrs.validators import optional

__all__ = ["InvalidSetting", "at_least_zero", "optional", "port", "positive"]


class InvalidSetting(ValueError):
    """A configuration value of the right type that is out of range; names the field."""


def positive(_: Any, attribute: Attribute[Any], value: Any) -> None:
    if value <= 0:
        raise InvalidSetting(f"{attribute.name}: must be greater than 0, got {value!r}")


def at_least_zero(_: Any, attribute: Attribute[Any], value: Any) -> None:
    if value < 0:
        raise InvalidSetting(f"{attribute.name}: must be 0 or more, got {value!r}")


def port(_: Any, attribute: Attribute[Any], value: Any) -> None:
    if not 0 < value < 65536:
        raise InvalidSetting(f"{attribute.name}: must be a port from 1 to 65535, got {value!r}")
