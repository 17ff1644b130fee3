"""Cache keys: a step is reused only if its code, parameters and inputs are all unchanged.

The code part covers the step's own source and, transitively, the source of every function
and class of the user's project that it references (globals, attributes of user modules,
closures), but not installed packages or the standard library: editing a helper invalidates
the steps that call it, editing an unrelated file does not.
"""

from __future__ import annotations

import inspect
import json
import marshal
import sys
import sysconfig
import threading
import types
from functools import lru_cache
from pathlib import Path
from typing import Any

from zenml_core.utils.hashing import hash_text

CACHE_KEY_VERSION = "2"  # bump when the key's recipe changes
_code_hashes: dict[int, tuple[Any, str]] = {}
_lock = threading.Lock()


@lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots.add(str(Path(__file__).resolve().parent))  # zenml_core itself
    return tuple(str(Path(root).resolve()) for root in roots)


@lru_cache(maxsize=4096)
def _is_user_file(filename: str) -> bool:
    resolved = str(Path(filename).resolve())
    return not any(resolved.startswith(root + "/") or resolved == root for root in _library_roots())


def is_user_code(obj: Any) -> bool:
    """Whether ``obj`` (function, class or module) comes from the user's project."""
    module = (
        obj
        if isinstance(obj, types.ModuleType)
        else sys.modules.get(getattr(obj, "__module__", ""))
    )
    filename = getattr(module, "__file__", None)
    if filename is None:
        # Interactive sessions and notebooks: code without a file is the user's own.
        return getattr(module, "__name__", "") == "__main__"
    return _is_user_file(filename)


def _function_text(function: types.FunctionType) -> str:
    try:
        return inspect.getsource(function)
    except (OSError, TypeError):  # defined in a notebook cell or with exec: hash the bytecode
        return marshal.dumps(function.__code__).hex()


def _class_text(cls: type) -> str:
    try:
        return inspect.getsource(cls)
    except (OSError, TypeError):
        methods = [v for v in vars(cls).values() if isinstance(v, types.FunctionType)]
        return cls.__qualname__ + "".join(_function_text(m) for m in methods)


def _names_used(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _names_used(constant)
    return names


_CONSTANTS = (bool, int, float, complex, str, bytes, tuple, frozenset, type(None))


def _referenced(function: types.FunctionType, seen: dict[Any, str]) -> list[Any]:
    """User functions, classes and attributes of user modules that ``function`` refers to.

    Module-level constants it reads (numbers, strings, tuples) are added to ``seen`` directly.
    """
    names = _names_used(function.__code__)
    found: list[Any] = []
    for name in sorted(names):
        if name not in function.__globals__:
            continue
        value = function.__globals__[name]
        if isinstance(value, types.ModuleType):
            if is_user_code(value):
                found += [getattr(value, attr) for attr in sorted(names) if hasattr(value, attr)]
        elif isinstance(value, _CONSTANTS):
            seen[("constant", function.__module__, name)] = f"{name} = {value!r}"
        else:
            found.append(value)
    for cell in function.__closure__ or ():
        try:
            found.append(cell.cell_contents)
        except ValueError:  # an empty cell
            continue
    return found


def _collect(obj: Any, seen: dict[Any, str]) -> None:
    # Entries name objects by qualname, not module: the same file run as a script (__main__)
    # and imported by `zenml pipeline run` must give the same key.
    if id(obj) in seen:
        return
    if isinstance(obj, types.FunctionType):
        if not is_user_code(obj):
            return
        seen[id(obj)] = f"{obj.__qualname__}\n{_function_text(obj)}"
        for child in _referenced(obj, seen):
            _collect(child, seen)
    elif isinstance(obj, type):
        if not is_user_code(obj):
            return
        seen[id(obj)] = f"{obj.__qualname__}\n{_class_text(obj)}"
        for base in obj.__mro__[1:]:
            _collect(base, seen)
        for member in vars(obj).values():
            function = getattr(member, "__func__", member)  # staticmethod / classmethod
            if isinstance(function, types.FunctionType):
                for child in _referenced(function, seen):
                    _collect(child, seen)
    else:
        wrapped = getattr(obj, "function", None)  # a @step object referenced by another step
        if isinstance(wrapped, types.FunctionType):
            _collect(wrapped, seen)


def code_hash(code_object: Any) -> str:
    """Hash of ``code_object``'s source and the user code it references (memoized per process)."""
    with _lock:
        cached = _code_hashes.get(id(code_object))
        if cached is not None and cached[0] is code_object:
            return cached[1]
    seen: dict[Any, str] = {}
    _collect(code_object, seen)
    if not seen:  # not user code (a step class shipped by a library): its qualified name
        seen[0] = f"{code_object.__module__}:{code_object.__qualname__}"
    digest = hash_text(*sorted(seen.values()))
    with _lock:
        _code_hashes[id(code_object)] = (code_object, digest)  # the object keeps its id unique
    return digest


def cache_key(
    *,
    code: str,
    parameters: dict[str, Any],
    inputs: dict[str, str],
    materializers: dict[str, str],
    framework_major: str,
) -> str:
    """Combine the parts of a step's identity into one key."""
    return hash_text(
        CACHE_KEY_VERSION,
        framework_major,
        code,
        json.dumps(parameters, sort_keys=True),
        json.dumps(inputs, sort_keys=True),
        json.dumps(materializers, sort_keys=True),
    )
