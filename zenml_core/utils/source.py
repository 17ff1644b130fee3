"""Naming Python objects by source (``module:QualName``) and loading them back.

Objects defined in a script run as ``__main__`` are named by the script's path
(``/abs/path/train.py:my_step``) so another process can load them. Every step object seen by a
pipeline in this process is also kept in a live table, so steps from notebooks and scripts run
in-process without being re-imported.
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
import threading
from pathlib import Path
from typing import Any

from zenml_core.errors import SourceError
from zenml_core.utils.imports import import_object

_live: dict[str, Any] = {}
_lock = threading.Lock()


def source_of(obj: Any) -> str:
    """``module:QualName`` of a module-level function or class (a script path for __main__)."""
    module_name = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if module_name is None or qualname is None:
        raise SourceError(f"{obj!r} has no module and name to import it by")
    if module_name == "__main__":
        main_file = getattr(sys.modules["__main__"], "__file__", None)
        if main_file:
            return f"{Path(main_file).resolve()}:{qualname}"
    return f"{module_name}:{qualname}"


def remember(source: str, obj: Any) -> None:
    """Make ``load_source(source)`` return ``obj`` in this process."""
    with _lock:
        _live[source] = obj


def _load_script(path: str) -> Any:
    main = sys.modules.get("__main__")
    main_file = getattr(main, "__file__", None)
    if main_file and Path(main_file).resolve() == Path(path):
        return main
    name = "zenml_script_" + hashlib.sha1(path.encode()).hexdigest()[:12]
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise SourceError(f"cannot load script {path}")
    from zenml_core.pipelines.import_guard import importing_definitions

    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with importing_definitions(path, "to load a step defined in it"):
            spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


def load_source(source: str) -> Any:
    """The object named by ``source``: the live one if this process has it, else imported."""
    with _lock:
        if source in _live:
            return _live[source]
    location, _, qualname = source.rpartition(":")
    if "@" in qualname:
        raise SourceError(
            f"{source} is a step object that holds its data in the memory of the process that "
            "defined the pipeline; it cannot run in another process (for a DataFrame, write it "
            "to a file and use CSVImporter)"
        )
    if "<locals>" in qualname:
        raise SourceError(
            f"{source} was defined inside a function; define steps at module level so that "
            "other processes can import them"
        )
    if location.endswith(".py"):
        obj: Any = _load_script(location)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj
    return _import_module_source(source)


def _import_module_source(source: str) -> Any:
    """Import ``module:QualName``; a module that runs a pipeline when imported is refused."""
    from importlib.util import find_spec

    from zenml_core.pipelines.import_guard import importing_definitions

    module_name = source.partition(":")[0]
    if module_name in sys.modules:
        return import_object(source, what="step source")
    try:
        found = find_spec(module_name)
    except (ImportError, ValueError):
        found = None
    origin = found.origin if found is not None and found.has_location else None
    if origin is None:
        return import_object(source, what="step source")
    with importing_definitions(origin, "to load a step defined in it"):
        return import_object(source, what="step source")
