"""Cache keys: a step is reused only if nothing it can reach in the user's project changed.

The code part covers the step's own source and everything of the user's project that it can
reach, by any path: functions and classes it calls (through globals, attributes of project
modules, closures, ``functools.partial``, decorators' ``__wrapped__``), the classes of
module-level instances it uses (and their plain-data state), and plain-data constants (numbers,
strings, and containers of them, read directly or through their module). Installed packages
and the standard library are not part of it: editing a helper invalidates the steps that reach
it, editing an unrelated file does not.

Each part is recorded by its module-qualified name (``helpers.scale``; a script run as
``__main__`` is named after its file), so the record can say what changed. Code is hashed once
per process; constants and instance state are re-read and re-hashed on every key, up to a size
cap above which, like values with no stable content (an open file, a lock, a client), they are
left out with a warning that names them.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import marshal
import sys
import sysconfig
import threading
import types
import warnings
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from attrs import frozen

from zenml_core.utils.hashing import hash_text

if TYPE_CHECKING:
    from zenml_core.metadata_stores.records import ArtifactRecord
    from zenml_core.pipelines.spec import StepSpec
    from zenml_core.steps.base import BaseStep

CACHE_KEY_VERSION = "3"  # bump when the key's recipe changes
MAX_CONSTANT_REPR = 1 << 20  # characters of repr hashed for one constant

_walks: dict[int, tuple[Any, _Walk]] = {}
_lock = threading.Lock()


class UnhashedGlobalWarning(UserWarning):
    """A step reaches a value whose content cannot be part of its cache key."""


@lru_cache(maxsize=1)
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    roots.add(str(Path(__file__).resolve().parents[1]))  # zenml_core itself
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
        else sys.modules.get(getattr(obj, "__module__", None) or "")
    )
    filename = getattr(module, "__file__", None)
    if filename is None:
        # Interactive sessions and notebooks: code without a file is the user's own.
        return getattr(module, "__name__", "") == "__main__"
    return _is_user_file(filename)


def module_label(module_name: str) -> str:
    """The name a module's parts are recorded under: a ``__main__`` script is named after its
    file, as ``zenml pipeline run FILE.py:...`` imports it, so both give the same key."""
    # Scripts loaded by path in another process (utils.source) are named zenml_script_<hash>.
    if module_name != "__main__" and not module_name.startswith("zenml_script_"):
        return module_name
    module = sys.modules.get(module_name)
    spec = getattr(module, "__spec__", None)
    if module_name == "__main__" and spec is not None and spec.name:
        return str(spec.name)  # python -m package.module
    filename = getattr(module, "__file__", None)
    return Path(filename).stem if filename else module_name


def _qualified(obj: Any) -> str:
    return f"{module_label(getattr(obj, '__module__', None) or '?')}.{obj.__qualname__}"


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


_SCALARS = (bool, int, float, complex, str, bytes, type(None))


def _plain(value: Any, depth: int = 0) -> bool:
    """Numbers, strings and (nested) containers of them: content with a stable repr."""
    if isinstance(value, _SCALARS):
        return True
    if depth > 20:
        return False
    if isinstance(value, dict):
        return all(_plain(k, depth + 1) and _plain(v, depth + 1) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return all(_plain(item, depth + 1) for item in value)
    return False


def _fixed(value: Any) -> Callable[[], Any]:
    return lambda: value


def _data_hash(value: Any) -> str | None:
    """Hash of plain data, or None when it is over the size cap."""
    text = repr(sorted(value, key=repr)) if isinstance(value, (set, frozenset)) else repr(value)
    return None if len(text) > MAX_CONSTANT_REPR else hash_text(text)


@frozen
class CodeParts:
    """What the code part of a step's cache key is made of."""

    parts: dict[str, str]  # module-qualified name -> hash, one per function/class/value reached
    unhashed: tuple[str, ...]  # values reached that have no stable content: left out

    @property
    def digest(self) -> str:
        return hash_text(json.dumps(self.parts, sort_keys=True))


class _Walk:
    """The project code reachable from one step: static parts, and values to re-read."""

    def __init__(self) -> None:
        self.parts: dict[str, str] = {}
        self.kinds: dict[str, str] = {}  # name -> "function" or "class"
        self.values: dict[str, Callable[[], Any]] = {}  # name -> reads the current value
        self.unhashed: dict[str, str] = {}  # name -> why
        self._seen: set[int] = set()

    def _first_visit(self, obj: Any) -> bool:
        if id(obj) in self._seen:
            return False
        self._seen.add(id(obj))
        return True

    # -- code ---------------------------------------------------------------------------------

    def function(self, function: types.FunctionType) -> None:
        if not is_user_code(function) or not self._first_visit(function):
            return
        self.parts[_qualified(function)] = hash_text(_function_text(function))
        self.kinds[_qualified(function)] = "function"
        self.references(function)
        wrapped = getattr(function, "__wrapped__", None)
        if wrapped is not None:
            self.value(f"{_qualified(function)}.__wrapped__", wrapped, lambda: wrapped)

    def cls(self, cls: type) -> None:
        if not is_user_code(cls) or not self._first_visit(cls):
            return
        self.parts[_qualified(cls)] = hash_text(_class_text(cls))
        self.kinds[_qualified(cls)] = "class"
        for base in cls.__mro__[1:]:
            self.cls(base)
        for member in vars(cls).values():
            function = getattr(member, "__func__", member)  # staticmethod / classmethod
            function = getattr(function, "fget", function)  # property
            if isinstance(function, types.FunctionType):
                self.references(function)

    def references(self, function: types.FunctionType) -> None:
        """What ``function`` reads: its globals (and attributes of project modules) and the
        cells of its closure."""
        names = _names_used(function.__code__)
        module = function.__module__
        namespace = function.__globals__
        for name in sorted(names & namespace.keys()):
            self.global_value(module, namespace, name, names)
        cells = zip(function.__code__.co_freevars, function.__closure__ or (), strict=False)
        for free_name, cell in cells:
            try:
                contents = cell.cell_contents
            except ValueError:  # an empty cell
                continue
            label = f"{_qualified(function)}.<{free_name}>"
            self.value(label, contents, functools.partial(getattr, cell, "cell_contents"))

    def global_value(
        self, module: str, namespace: dict[str, Any], name: str, names: set[str]
    ) -> None:
        value = namespace[name]
        if isinstance(value, types.ModuleType):
            if is_user_code(value) and self._first_visit(value):
                attributes = vars(value)
                for attribute in sorted(names & attributes.keys()):
                    self.global_value(value.__name__, attributes, attribute, names)
            return
        label = f"{module_label(module)}.{name}"
        self.value(label, value, lambda: namespace.get(name))

    # -- values -------------------------------------------------------------------------------

    def value(self, label: str, value: Any, read: Callable[[], Any]) -> None:
        """Whatever a step reaches under ``label``: code is walked, content is re-read."""
        if isinstance(value, types.FunctionType):
            self.function(value)
        elif isinstance(value, type):
            self.cls(value)
        elif isinstance(value, (types.MethodType, classmethod, staticmethod)):
            self.value(label, value.__func__, lambda: value.__func__)
            owner = getattr(value, "__self__", None)
            if owner is not None and not isinstance(owner, type):
                self.value(f"{label}.__self__", owner, lambda: owner)
        elif isinstance(value, functools.partial):
            self.value(f"{label}.func", value.func, lambda: value.func)
            arguments = (value.args, value.keywords)
            self.value(f"{label}.<arguments>", arguments, lambda: (value.args, value.keywords))
        elif _plain(value):
            self.values[label] = read
        elif isinstance(value, (list, tuple, set, frozenset, dict)):
            if not self._first_visit(value):  # a container holding itself, or seen already
                return
            items = value.items() if isinstance(value, dict) else enumerate(value)
            for key, item in items:
                if not isinstance(item, _SCALARS):
                    self.value(f"{label}[{key!r}]", item, _fixed(item))
            plain = (
                {k: v for k, v in value.items() if isinstance(v, _SCALARS)}
                if isinstance(value, dict)
                else [v for v in value if isinstance(v, _SCALARS)]
            )
            self.values[f"{label}.<data>"] = _fixed(plain)
        elif callable(getattr(value, "function", None)) and hasattr(value, "signature"):
            self.value(label, value.function, lambda: value.function)  # a @step object
        elif hasattr(value, "__wrapped__"):  # functools.lru_cache and other C wrappers
            self.value(label, value.__wrapped__, lambda: value.__wrapped__)
        elif is_user_code(type(value)):
            self.instance(label, value)
        elif isinstance(value, (logging.Logger, types.BuiltinFunctionType)) or (
            type(value).__module__ in {"typing", "typing_extensions"}
        ):
            return  # no content of the project's
        elif isinstance(value, _content_types()):
            self.values[label] = read  # library values whose repr is their content
        else:
            self.unhashed[label] = type(value).__qualname__

    def instance(self, label: str, instance: Any) -> None:
        """A module-level instance of a project class: the class's code and its state."""
        if not self._first_visit(instance):
            return
        self.cls(type(instance))
        state = getattr(instance, "__dict__", None)
        if state is None:
            return
        for attribute, item in state.items():
            if not _plain(item):
                self.value(f"{label}.{attribute}", item, _fixed(item))
        self.values[f"{label}.<state>"] = lambda: {
            k: v for k, v in vars(instance).items() if _plain(v)
        }

    # -- result -------------------------------------------------------------------------------

    def current(self) -> CodeParts:
        parts = dict(self.parts)
        unhashed = dict(self.unhashed)
        for label, read in self.values.items():
            digest = _data_hash(read())
            if digest is None:
                unhashed[label] = f"larger than {MAX_CONSTANT_REPR} characters"
            else:
                parts[label] = digest
        return CodeParts(parts=parts, unhashed=tuple(sorted(unhashed)))


@lru_cache(maxsize=1)
def _content_types() -> tuple[type, ...]:
    """Library types whose repr shows their whole content, hashed like plain data."""
    import datetime
    import decimal
    import enum
    import fractions
    import pathlib
    import re
    import uuid

    return (
        re.Pattern,
        datetime.date,
        datetime.time,
        datetime.timedelta,
        decimal.Decimal,
        fractions.Fraction,
        pathlib.PurePath,
        uuid.UUID,
        enum.Enum,
        range,
    )


def code_parts(code_object: Any) -> CodeParts:
    """The project code and values ``code_object`` reaches, each hashed by qualified name."""
    with _lock:
        cached = _walks.get(id(code_object))
    if cached is None or cached[0] is not code_object:
        walk = _Walk()
        walk.value(_qualified(code_object), code_object, lambda: code_object)
        if not walk.parts and not walk.values:
            # Not user code (a step class shipped by a library): its qualified name.
            name = f"{code_object.__module__}:{code_object.__qualname__}"
            walk.parts[name] = hash_text(name)
        with _lock:
            _walks[id(code_object)] = (code_object, walk)  # the object keeps its id unique
    else:
        walk = cached[1]
    return walk.current()


def code_kinds(code_object: Any) -> dict[str, str]:
    """Which names in ``code_object``'s code parts are functions, classes or constants
    (after :func:`code_parts` walked it; empty before)."""
    with _lock:
        cached = _walks.get(id(code_object))
    if cached is None or cached[0] is not code_object:
        return {}
    walk = cached[1]
    return {**dict.fromkeys(walk.values, "constant"), **walk.kinds}


def code_hash(code_object: Any) -> str:
    """Hash of everything of the project that ``code_object`` reaches (see :func:`code_parts`)."""
    return code_parts(code_object).digest


_warned: set[tuple[str, tuple[str, ...]]] = set()


def warn_unhashed(step_name: str, unhashed: tuple[str, ...]) -> None:
    """Say once per step and process which values its cache key leaves out."""
    if unhashed and (step_name, unhashed) not in _warned:
        _warned.add((step_name, unhashed))
        warnings.warn(
            f"step {step_name!r}: the cache key leaves out {', '.join(unhashed)} (no stable "
            "content to hash); make it a parameter of the step, or the step may be reused "
            "after it changed",
            UnhashedGlobalWarning,
            stacklevel=3,
        )


def key_parts(
    *,
    code: CodeParts,
    parameters: dict[str, Any],
    inputs: dict[str, str],
    materializers: dict[str, str],
    framework_major: str,
) -> dict[str, Any]:
    """Everything a step's cache key is made of, as recorded with the step run."""
    return {
        "version": CACHE_KEY_VERSION,
        "framework": framework_major,
        "code": code.parts,
        "parameters": parameters,
        "inputs": inputs,
        "materializers": materializers,
    }


def cache_key(parts: dict[str, Any]) -> str:
    """Combine the recorded parts of a step's identity into one key."""
    return hash_text(json.dumps(parts, sort_keys=True, default=str))


def framework_major() -> str:
    from zenml_core.version import __version__

    return __version__.split(".")[0]


def _materializer_identity(path: str | None) -> str:
    from zenml_core.materializers.registry import load_materializer

    return "auto" if path is None else load_materializer(path).identity()


def step_cache_parts(
    step: BaseStep, step_spec: StepSpec, inputs: dict[str, ArtifactRecord]
) -> dict[str, Any]:
    """What the cache key of ``step`` with these inputs is made of; values it leaves out are
    named in a warning."""
    code = code_parts(step.code_object)
    warn_unhashed(step_spec.name, code.unhashed)
    return key_parts(
        code=code,
        parameters={"inputs": step_spec.parameters, "object": step_spec.config},
        inputs={name: f"{a.content_hash}|{a.materializer}" for name, a in inputs.items()},
        materializers={
            name: _materializer_identity(output.materializer)
            for name, output in step_spec.outputs.items()
        },
        framework_major=framework_major(),
    )


def step_cache_key(step: BaseStep, step_spec: StepSpec, inputs: dict[str, ArtifactRecord]) -> str:
    """The cache key of ``step`` with these inputs."""
    return cache_key(step_cache_parts(step, step_spec, inputs))
