"""The one cattrs converter that turns YAML/env data into config classes and back.

Scalars are structured strictly (a string is not silently turned into an int, ``None`` is not
turned into ``"None"``) and every error names the key path, the expected type and the source.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.v import format_exception as default_format_exception

from zenml_core.errors import ConfigError, ZenMLError
from zenml_core.stack.component import ComponentKind

T = TypeVar("T")

_converter = cattrs.Converter(forbid_extra_keys=True)


class _WrongType(TypeError):
    pass


def _strict(expected: type, *accepted: type) -> Any:
    def structure(value: Any, _: Any) -> Any:
        if isinstance(value, bool) and expected is not bool:
            ok = False
        else:
            ok = isinstance(value, accepted)
        if not ok:
            raise _WrongType(f"expected {expected.__name__}, got {value!r}")
        return expected(value)

    return structure


_converter.register_structure_hook(str, _strict(str, str))
_converter.register_structure_hook(int, _strict(int, int))
_converter.register_structure_hook(float, _strict(float, int, float))
_converter.register_structure_hook(bool, _strict(bool, bool))


def _structure_kind(value: Any, _: Any) -> ComponentKind:
    try:
        return ComponentKind(value)
    except ValueError:
        known = ", ".join(kind.value for kind in ComponentKind)
        raise _WrongType(f"expected one of {known}, got {value!r}") from None


# ComponentKind is a str enum: without these hooks cattrs would treat it as a plain str.
_converter.register_structure_hook(ComponentKind, _structure_kind)
_converter.register_unstructure_hook(ComponentKind, lambda kind: kind.value)


def _format(exc: BaseException, expected: type | None) -> str:
    if isinstance(exc, _WrongType):
        return str(exc)
    if isinstance(exc, KeyError):
        return "required key missing"
    return default_format_exception(exc, expected)


def _tidy_path(path: str) -> str:
    # "$.stacks['a'].workers" -> "stacks.a.workers"
    path = re.sub(r"\[['\"]?([^'\"\]]*)['\"]?\]", r".\1", path)
    return path.removeprefix("$").removeprefix(".") or "(top level)"


def _own_error(exc: BaseException) -> ZenMLError | None:
    if isinstance(exc, ZenMLError):
        return exc
    for inner in getattr(exc, "exceptions", ()):
        found = _own_error(inner)
        if found is not None:
            return found
    return None


def _found(exc: BaseException, kind: type[BaseException]) -> list[BaseException]:
    """Exceptions of ``kind`` in ``exc`` or the groups cattrs nests it in."""
    if isinstance(exc, kind):
        return [exc]
    return [found for inner in getattr(exc, "exceptions", ()) for found in _found(inner, kind)]


def structure(data: Any, cls: type[T], *, source: str) -> T:
    """Structure ``data`` into ``cls``; on failure raise one ConfigError naming every bad key."""
    if attrs.has(cls) and not isinstance(data, Mapping):
        raise ConfigError(f"{source}: (top level): expected a mapping, got {type(data).__name__}")
    from zenml_core.config.validators import InvalidSetting

    try:
        return _converter.structure(data, cls)
    except (cattrs.BaseValidationError, TypeError, ValueError, AttributeError) as exc:
        invalid = _found(exc, InvalidSetting)
        if invalid:  # a field's validator: the messages name the fields
            raise ConfigError(f"{source}: " + "; ".join(map(str, invalid))) from exc
        own = _own_error(exc)
        if own is not None:  # a class's own check failed: its message is already precise
            raise own from None
        if isinstance(exc, cattrs.BaseValidationError):
            problems = []
            for line in cattrs.transform_error(exc, path="$", format_exception=_format):
                message, _, path = line.rpartition(" @ ")
                problems.append(f"{_tidy_path(path)}: {message}")
        else:
            problems = [f"(top level): {exc}"]
        message = "; ".join(problems).replace("\n", "\\n")  # one line, whatever the keys
        raise ConfigError(f"{source}: {message}") from exc


def unstructure(obj: Any) -> Any:
    """Plain dicts/lists/scalars, ready for YAML or JSON."""
    return _converter.unstructure(obj)
