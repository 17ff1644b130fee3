"""A failed step's traceback as its author reads it: their files and lines, not zenml's.

The record keeps the whole traceback; what people are shown (the run's output, ``zenml runs
show``, ``--output json``) leaves out the frames of zenml itself and of its plugins
(``zenml_core/``, ``zenml_docker/``, ...) and of the import machinery.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

_FRAME = re.compile(r'^  File "(?P<path>[^"]+)", line \d+')
# Installed anywhere (a step image's site-packages too), or the import machinery.
_INSTALLED = re.compile(r"[/\\](site|dist)-packages[/\\]zenml_[a-z0-9_]+[/\\]|^<frozen ")


def _framework_folders() -> tuple[str, ...]:
    """The folders of the zenml packages loaded here (editable installs live in a clone)."""
    folders = []
    for name, module in list(sys.modules.items()):
        if name.startswith("zenml_") and "." not in name:
            folders += [str(Path(folder)) + "/" for folder in getattr(module, "__path__", [])]
    return tuple(folders)


def _is_framework(path: str, folders: tuple[str, ...]) -> bool:
    return path.startswith(folders) or bool(_INSTALLED.search(path))


def user_traceback(text: str) -> str:
    """``text`` (a formatted traceback) without framework frames; "" when none of its frames is
    the user's (zenml's own errors, like a wrong output type, say everything in one line)."""
    folders = _framework_folders()
    kept: list[str] = []
    dropping = False
    for line in text.splitlines():
        frame = _FRAME.match(line)
        if frame:
            dropping = _is_framework(frame.group("path"), folders)
        elif not line.startswith("    "):
            dropping = False  # a header, a chained-exception line or the exception itself
        if not dropping:
            kept.append(line)
    if not any(_FRAME.match(line) for line in kept):
        return ""
    return "\n".join(kept)
