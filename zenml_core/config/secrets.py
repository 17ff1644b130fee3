"""Secret configuration fields: kept out of every output, record and compiled file.

Two layers. Structured: every path that turns a component's settings into plain data for
people or records (``describe``, ``list``, run records, manifests, stack documents) goes
through :func:`public_settings` or :func:`public_raw_settings`, which mask the fields declared
with :func:`secret_field`. A net under it: every secret value the process has validated is
remembered, and the CLI passes everything it prints through :func:`redact`, so a secret that
reaches free text (an error message, a log line, a traceback) is still masked.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from typing import IO, Any, cast

import attrs

from zenml_core.config.converter import unstructure

SECRET = "zenml_secret"
MASK = "********"
# Shorter values are masked in their fields but not scrubbed from free text: they would
# collide with ordinary words of the output.
MIN_REDACTED_LENGTH = 6

_known: set[str] = set()
_pattern: re.Pattern[str] | None = None
_lock = threading.Lock()


def secret_field(**kwargs: Any) -> Any:
    """An attrs field whose value no output, record or compiled pipeline ever shows."""
    return attrs.field(metadata={SECRET: True}, repr=False, **kwargs)


def secret_field_names(config_cls: type) -> list[str]:
    """Names of the secret fields of a config class."""
    if not attrs.has(config_cls):
        return []
    return [field.name for field in attrs.fields(config_cls) if field.metadata.get(SECRET)]


def secret_fields(config: Any) -> list[str]:
    """Names of the secret fields of a config object."""
    return secret_field_names(type(config))


def remember(config: Any) -> None:
    """Note the secret values of a validated config, so :func:`redact` can scrub them."""
    global _pattern
    values = {str(getattr(config, name)) for name in secret_fields(config)}
    values = {value for value in values if len(value) >= MIN_REDACTED_LENGTH and value != "None"}
    if not values - _known:
        return
    with _lock:
        _known.update(values)
        longest_first = sorted(_known, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(value) for value in longest_first))


def redact(text: str) -> str:
    """``text`` with every remembered secret value replaced by ``********``."""
    pattern = _pattern
    return text if pattern is None else pattern.sub(MASK, text)


def public_settings(config: Any) -> dict[str, Any]:
    """``config`` as plain data with every secret that is set replaced by ``********``."""
    data: dict[str, Any] = unstructure(config)
    for name in secret_fields(config):
        if data.get(name) is not None:
            data[name] = MASK
    return data


def public_raw_settings(raw: Mapping[str, Any], config_cls: type | None) -> dict[str, Any]:
    """Unvalidated settings (as in ``.zen/config.yaml``) with the secret fields masked.

    Without the flavor's config class (its plugin is not installed), every key that looks like
    a secret is masked: showing too little beats showing a password.
    """
    if config_cls is not None:
        secret = set(secret_field_names(config_cls))
    else:
        secret = {key for key in raw if re.search(r"password|secret|token|key$", key, re.I)}
        secret -= {key for key in raw if key.endswith("_env")}
    return {
        key: MASK if key in secret and value is not None else value for key, value in raw.items()
    }


class RedactingStream:
    """A text stream that scrubs remembered secrets from everything written to it."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def redacting(function: Callable[[], Any]) -> Any:
    """Call ``function`` with ``sys.stdout`` and ``sys.stderr`` scrubbed of secrets."""
    import sys

    saved = sys.stdout, sys.stderr
    sys.stdout = cast(IO[str], RedactingStream(sys.stdout))
    sys.stderr = cast(IO[str], RedactingStream(sys.stderr))
    try:
        return function()
    finally:
        sys.stdout, sys.stderr = saved
