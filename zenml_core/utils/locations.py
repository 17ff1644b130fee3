"""Files named by a local path or by a URL (``gs://bucket/key``): how a Dataset's shards are
read and written by workers that may not share this machine's disk.

URLs go through fsspec (gcsfs brings ``gs://``), imported only when a URL is used; its
credentials are the environment's defaults, which is what an engine's workers have (a
Dataflow worker's service account, ``STORAGE_EMULATOR_HOST`` in tests).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path
from typing import Any


def is_url(location: str | Path) -> bool:
    return "://" in str(location)


def join(folder: str | Path, name: str) -> str:
    """``name`` inside ``folder``; ``name`` itself when it is absolute or a URL."""
    if is_url(name) or os.path.isabs(name):
        return name
    if is_url(folder):
        return f"{str(folder).rstrip('/')}/{name}"
    return str(Path(folder) / name)


def _file_system(url: str) -> tuple[Any, str]:
    os.environ.setdefault("GCSFS_EXPERIMENTAL_ZB_HNS_SUPPORT", "false")
    import fsspec

    file_system, path = fsspec.core.url_to_fs(url)
    return file_system, path


def read_bytes(location: str | Path) -> bytes:
    """The file's bytes; FileNotFoundError when it is not there."""
    if not is_url(location):
        return Path(location).read_bytes()
    file_system, path = _file_system(str(location))
    data: bytes = file_system.cat_file(path)
    return data


def write_bytes(location: str | Path, data: bytes | memoryview) -> None:
    """Write the file (its folder made if needed); one upload for a URL."""
    if not is_url(location):
        local = Path(location)
        local.parent.mkdir(parents=True, exist_ok=True)
        with open(local, "wb") as handle:
            handle.write(data)
        return
    file_system, path = _file_system(str(location))
    file_system.pipe_file(path, bytes(data))


def remove(location: str | Path, *, recursive: bool = False) -> None:
    """Delete the file (or the folder, ``recursive``); nothing when it is already gone."""
    if not is_url(location):
        if recursive:
            shutil.rmtree(location, ignore_errors=True)
        else:
            Path(location).unlink(missing_ok=True)
        return
    file_system, path = _file_system(str(location))
    with contextlib.suppress(FileNotFoundError):
        file_system.rm(path, recursive=recursive)
