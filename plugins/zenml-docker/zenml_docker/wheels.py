"""Wheels of installed distributions, repacked from the files Python imports them from.

zenml-core and its plugins are often installed from a source tree (editable or not) and are
on no package index, so a step image cannot ``pip install`` them by name. Instead each one is
packed into a wheel from what is installed: an editable install's package folders in the
source tree, otherwise the files its ``RECORD`` lists. Nothing is built, so stale ``build/``
folders or ``*.egg-info`` in a source tree never leak into an image, and the same files give
the same wheel byte for byte (fixed timestamps, sorted entries): image tags stay stable.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import zipfile
from pathlib import Path

from zenml_core.errors import ZenMLError

_SKIPPED_PARTS = {"__pycache__"}
_SKIPPED_SUFFIXES = {".pyc", ".pyo"}
_DATE = (1980, 1, 1, 0, 0, 0)


class WheelError(ZenMLError):
    """An installed distribution cannot be repacked into a wheel."""


def _editable(dist: importlib.metadata.Distribution) -> bool:
    text = dist.read_text("direct_url.json")
    return text is not None and bool(json.loads(text).get("dir_info", {}).get("editable"))


def _top_level(dist: importlib.metadata.Distribution) -> list[str]:
    text = dist.read_text("top_level.txt") or ""
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not names:
        raise WheelError(
            f"{dist.metadata['Name']} is installed in editable mode without top_level.txt; "
            "install it without -e, or pass a wheelhouse that holds its wheel"
        )
    return names


def _wanted(path: Path) -> bool:
    return not (_SKIPPED_PARTS & set(path.parts)) and path.suffix not in _SKIPPED_SUFFIXES


def installed_files(distribution: str) -> list[tuple[str, Path]]:
    """(name in the wheel, file on disk) of ``distribution``'s importable files, sorted."""
    try:
        dist = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        raise WheelError(f"{distribution} is not installed here") from None
    found: dict[str, Path] = {}
    if _editable(dist):
        for name in _top_level(dist):
            spec = importlib.util.find_spec(name)
            if spec is None:
                raise WheelError(f"{distribution}: its package {name!r} cannot be found")
            if spec.submodule_search_locations:
                folder = Path(next(iter(spec.submodule_search_locations)))
                for path in folder.rglob("*"):
                    relative = path.relative_to(folder.parent)
                    if path.is_file() and _wanted(relative):
                        found[relative.as_posix()] = path
            elif spec.origin:
                found[Path(spec.origin).name] = Path(spec.origin)
    else:
        for entry in dist.files or []:
            relative = Path(str(entry))
            if relative.parts[0] == ".." or relative.parts[0].endswith(".dist-info"):
                continue  # scripts (recreated by pip) and the metadata (written anew)
            if _wanted(relative) and not relative.name.startswith("__editable__"):
                found[relative.as_posix()] = Path(str(dist.locate_file(entry)))
    return sorted(found.items())


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def build_wheel(distribution: str, folder: Path) -> Path:
    """Write the wheel of installed ``distribution`` into ``folder``; returns its path."""
    dist = importlib.metadata.distribution(distribution)
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    version = dist.version
    info = f"{name}-{version}.dist-info"
    contents: list[tuple[str, bytes]] = [
        (arcname, path.read_bytes()) for arcname, path in installed_files(distribution)
    ]
    contents.append((f"{info}/METADATA", (dist.read_text("METADATA") or "").encode()))
    for extra in ("entry_points.txt", "top_level.txt"):
        text = dist.read_text(extra)
        if text:
            contents.append((f"{info}/{extra}", text.encode()))
    wheel = (
        "Wheel-Version: 1.0\nGenerator: zenml-docker\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    contents.append((f"{info}/WHEEL", wheel.encode()))
    record = [_record_line(arcname, data) for arcname, data in contents]
    contents.append((f"{info}/RECORD", ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()))
    target = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for arcname, data in contents:
            entry = zipfile.ZipInfo(arcname, date_time=_DATE)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return target
