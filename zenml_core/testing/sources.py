"""Building distributions from copies of their source folders.

Building in place leaves ``build/`` and ``*.egg-info`` in the source tree: a plugin folder
copied afterwards carries them, and its first wheel can ship a stale package from
``build/lib`` too. Tests and tox build from a copy, so the tree stays as git has it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

LEFT_OUT = shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__", ".tox")


def clean_copies(projects: Iterable[str | Path], into: Path) -> list[str]:
    """Copy each source folder (``folder`` or ``folder[extra,...]``) into ``into``, without
    build leftovers; returns the copies, each with its extras suffix."""
    copies = []
    for project in projects:
        folder, bracket, extras = str(project).partition("[")
        source = Path(folder).resolve()
        copy = into / source.name
        shutil.copytree(source, copy, ignore=LEFT_OUT)
        copies.append(f"{copy}{bracket}{extras}")
    return copies
