"""The one limit on names people choose (pipelines, steps, outputs): checked where a name is
defined or composed (``total_2``), so it fails at once with the fix, and never later as a raw
database error on one metadata store but not another (MySQL refuses over-long text, SQLite
keeps it)."""

from __future__ import annotations

from zenml_core.errors import NameTooLongError

MAX_NAME_LENGTH = 100


def check_length(what: str, name: str) -> str:
    """``name`` itself, or an error naming ``what`` (e.g. "pipeline", "step 'x' output")."""
    if len(name) > MAX_NAME_LENGTH:
        raise NameTooLongError(
            f"{what} name {name[:40]!r}... is {len(name)} characters long; names are limited "
            f"to {MAX_NAME_LENGTH} (give it a shorter name, e.g. with name=...)"
        )
    return name
