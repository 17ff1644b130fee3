"""The installed plugins' entry points, read once per installation state and cached.

Reading every installed distribution's metadata (``importlib.metadata.entry_points``) and
checking each plugin's requirement on zenml-core costs tens of milliseconds, growing with the
number of distributions, on every start of ``zenml`` and every step process. The result only
changes when something is installed or removed, which changes the modification time of the
``sys.path`` folder it lands in; so it is kept in a file under the user's cache folder, keyed
by the interpreter and the ``sys.path`` entries with their modification times, replaced
atomically. A cache that is stale, unreadable or of another format is rebuilt.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from pathlib import Path
from typing import Any

from attrs import asdict, frozen

CACHE_DIR_ENV = "ZENML_CACHE_DIR"  # default: $XDG_CACHE_HOME/zenml, else ~/.cache/zenml
_FORMAT = 2
_STATES_KEPT = 16


@frozen
class FoundEntryPoint:
    """A ``zenml.plugins`` entry point: ``value`` is ``module:attr`` (or ``module``);
    ``problem`` says why its distribution cannot work with this zenml-core."""

    name: str
    value: str
    distribution: str
    version: str
    problem: str | None = None

    def load(self) -> Any:
        import importlib

        module, _, attribute = self.value.partition(":")
        loaded: Any = importlib.import_module(module.strip())
        for part in attribute.strip().split(".") if attribute.strip() else []:
            loaded = getattr(loaded, part)
        return loaded


def cache_folder(environ: Any = os.environ) -> Path:
    if environ.get(CACHE_DIR_ENV):
        return Path(environ[CACHE_DIR_ENV])
    base = environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "zenml"


def installation_key() -> str:
    """What the installed distributions depend on: the interpreter, zenml-core's version,
    and each ``sys.path`` entry with its modification time (installing or removing a
    distribution writes into the folder it lives in)."""
    from zenml_core.version import __version__

    parts = [sys.executable, sys.version, __version__]
    for entry in sys.path:
        try:
            parts.append(f"{entry}:{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}:-")
    return "\n".join(parts)  # compared as it is: hashing it would cost more than it saves


def _cache_file(environ: Any) -> Path:
    interpreter = zlib.crc32(sys.executable.encode())
    return cache_folder(environ) / f"entry-points-{interpreter:08x}.json"


def find_entry_points(
    group: str, incompatibility: Any, environ: Any = os.environ
) -> list[FoundEntryPoint]:
    """The entry points of ``group``, from the cache when the installation is unchanged;
    ``incompatibility(dist)`` gives a distribution's problem (checked when reading anew)."""
    key = installation_key()
    path = _cache_file(environ)
    states: dict[str, Any] = {}
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("format") == _FORMAT:
            states = dict(document["states"])
            return [FoundEntryPoint(**entry) for entry in states[key][group]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass  # no cache, another state, or one that cannot be read: read the installation
    found = _read_installation(group, incompatibility)
    # processes of one interpreter see other sys.path lists (a script's folder, a test's):
    # the last few states are kept side by side
    states.pop(key, None)
    states[key] = {group: [asdict(entry) for entry in found]}
    kept = dict(list(states.items())[-_STATES_KEPT:])
    _write(path, {"format": _FORMAT, "states": kept})
    return found


def _read_installation(group: str, incompatibility: Any) -> list[FoundEntryPoint]:
    from importlib.metadata import entry_points

    found: list[FoundEntryPoint] = []
    for entry_point in entry_points(group=group):
        dist = entry_point.dist
        found.append(
            FoundEntryPoint(
                name=entry_point.name,
                value=entry_point.value,
                distribution=dist.name if dist is not None else entry_point.module,
                version=dist.version if dist is not None else "",
                problem=incompatibility(dist),
            )
        )
    return found


def _write(path: Path, document: dict[str, Any]) -> None:
    """Replace the cache file in one step; a cache that cannot be written is not an error."""
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".entry-points-")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(document, stream)
        os.replace(temporary, path)
    except OSError:
        pass
