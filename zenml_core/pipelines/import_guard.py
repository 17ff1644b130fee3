"""Importing a user's file to read its definitions must never run a pipeline.

``zenml pipeline graph`` promises that nothing runs, and a step process that imports the module
a step lives in must not start a second run. A pipeline called at module level (``demo()``
without an ``if __name__ == "__main__":`` guard) is reported with its line instead.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterator
from pathlib import Path

from zenml_core.errors import PipelineRunAtImportError

_importing: contextvars.ContextVar[tuple[Path, str] | None] = contextvars.ContextVar(
    "zenml_importing_definitions", default=None
)


@contextlib.contextmanager
def importing_definitions(path: Path | str, purpose: str) -> Iterator[None]:
    """While the block imports ``path`` (to ``purpose``), calling a pipeline raises."""
    token = _importing.set((Path(path).resolve(), purpose))
    try:
        yield
    finally:
        _importing.reset(token)


def refuse_run_while_importing(pipeline_name: str) -> None:
    """Raise if a definitions import is under way; name the user's line that made the call."""
    current = _importing.get()
    if current is None:
        return
    path, purpose = current
    where = path.name
    frame = sys._getframe(1)
    while frame is not None:
        if Path(frame.f_code.co_filename).resolve() == path:
            where = f"{path.name} line {frame.f_lineno}"
            break
        frame = frame.f_back  # type: ignore[assignment]
    raise PipelineRunAtImportError(
        f"{where} runs pipeline {pipeline_name!r} when the file is imported ({purpose}); "
        'put the call under `if __name__ == "__main__":` so that importing it runs nothing'
    )
