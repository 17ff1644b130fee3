"""Finding a pipeline from ``path/to/file.py:function`` (what ``zenml pipeline run`` takes)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from zenml_core.errors import PipelineNotFoundError, PipelineRunAtImportError
from zenml_core.pipelines.pipeline import Pipeline


def _line_in(exc: BaseException, path: Path) -> str:
    """`` (line N)`` of the innermost frame of ``exc`` inside ``path``, if any."""
    import traceback

    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f" (line {exc.lineno})"
    return f" (line {frames[-1].lineno})" if frames else ""


def load_pipeline(target: str) -> Pipeline:
    """Import ``FILE.py`` as a module named after the file and return its pipeline ``FUNC``.

    The file's folder is put first on ``sys.path``, so the file can import its neighbours and
    its steps get importable sources (``file:step``). Importing it runs no pipeline: a call at
    module level is an error naming its line.
    """
    from zenml_core.pipelines.import_guard import importing_definitions

    location, sep, attribute = target.rpartition(":")
    if not sep or not location.endswith(".py") or not attribute:
        raise PipelineNotFoundError(f"{target!r}: write FILE.py:PIPELINE, e.g. train.py:training")
    path = Path(location).resolve()
    if not path.is_file():
        raise PipelineNotFoundError(f"{target!r}: no such file {path}")
    folder = str(path.parent)
    if folder not in sys.path:
        sys.path.insert(0, folder)
    module_name = path.stem
    existing = sys.modules.get(module_name)
    if existing is not None and Path(getattr(existing, "__file__", "") or "").resolve() == path:
        module = existing
    else:
        spec = importlib.util.spec_from_file_location(module_name, path)
        if spec is None or spec.loader is None:
            raise PipelineNotFoundError(f"{target!r}: cannot import {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        try:
            with importing_definitions(path, f"zenml imports it to find {attribute!r}"):
                spec.loader.exec_module(module)
        except PipelineRunAtImportError:
            del sys.modules[module_name]
            raise
        except Exception as exc:
            del sys.modules[module_name]
            line = _line_in(exc, path)
            raise PipelineNotFoundError(
                f"{target!r}: importing {path.name} raised {type(exc).__name__}: {exc}"
                f"{line}; fix the file and try again"
            ) from exc
    found = getattr(module, attribute, None)
    if not isinstance(found, Pipeline):
        available = sorted(
            name for name, value in vars(module).items() if isinstance(value, Pipeline)
        )
        raise PipelineNotFoundError(
            f"{target!r}: {path.name} has no pipeline named {attribute!r} "
            f"(pipelines in it: {', '.join(available) or 'none'}; decorate one with @pipeline)"
        )
    return found
