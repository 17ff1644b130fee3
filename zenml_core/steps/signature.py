"""Reading a step's typed signature: its inputs (artifacts or parameters) and named outputs.

Outputs: a step returning one value has one output named ``output``. To return several, annotate
the return type with a ``typing.NamedTuple``; each field is an output of that name and type::

    class Split(NamedTuple):
        train: pd.DataFrame
        test: pd.DataFrame

    @step
    def split(data: pd.DataFrame) -> Split: ...

A step annotated ``-> None`` has no outputs.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable
from typing import Any

from attrs import frozen

from zenml_core.errors import StepDefinitionError

SINGLE_OUTPUT = "output"
UNIONS = (typing.Union, types.UnionType)


@frozen
class StepSignature:
    """What a step takes and returns."""

    parameters: inspect.Signature
    input_types: dict[str, Any]
    output_types: dict[str, Any]
    output_tuple: type | None  # the NamedTuple class for several outputs


def _is_named_tuple(annotation: Any) -> bool:
    return (
        isinstance(annotation, type)
        and issubclass(annotation, tuple)
        and hasattr(annotation, "_fields")
    )


def read_signature(
    function: Callable[..., Any], *, step_name: str, skip_self: bool
) -> StepSignature:
    """Read and check the signature of a step's function (or ``entrypoint`` method)."""
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if skip_self:
        parameters = parameters[1:]
    for parameter in parameters:
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise StepDefinitionError(
                f"step {step_name!r}: *{parameter.name} is not supported; name every input"
            )
    try:
        hints = typing.get_type_hints(function)
    except NameError as exc:
        raise StepDefinitionError(
            f"step {step_name!r}: cannot resolve a type annotation ({exc}); import that name "
            "at module level of the step's file"
        ) from None
    input_types = {p.name: hints.get(p.name, Any) for p in parameters}
    output_tuple = None
    if "return" not in hints:
        output_types: dict[str, Any] = {SINGLE_OUTPUT: Any}
    elif hints["return"] is type(None):
        output_types = {}
    elif _is_named_tuple(hints["return"]):
        output_tuple = hints["return"]
        field_types = typing.get_type_hints(output_tuple)
        output_types = {name: field_types.get(name, Any) for name in output_tuple._fields}
    else:
        output_types = {SINGLE_OUTPUT: hints["return"]}
    return StepSignature(
        parameters=signature.replace(parameters=parameters),
        input_types=input_types,
        output_types=output_types,
        output_tuple=output_tuple,
    )


def type_name(annotation: Any) -> str:
    """How a type is written in the spec: ``module:QualName`` for classes, else its repr."""
    if annotation is Any:
        return "typing:Any"
    if isinstance(annotation, type) and not typing.get_args(annotation):
        return f"{annotation.__module__}:{annotation.__qualname__}"
    return repr(annotation)


def runtime_class(annotation: Any) -> type | None:
    """The class an ``isinstance`` check can use for ``annotation`` (None: cannot check)."""
    if annotation is Any:  # a class since Python 3.11, but not one to check against
        return None
    origin = typing.get_origin(annotation) or annotation
    if origin in UNIONS:  # ``DataFrame | Dataset``: no single class to check
        return None
    return origin if isinstance(origin, type) and origin is not object else None


def value_matches(value: Any, annotation: Any) -> bool:
    """Whether a plain value (a parameter from a config file) fits ``annotation``; what
    cannot be checked (generics' items, Any, unresolvable) is accepted."""
    if typing.get_origin(annotation) in UNIONS:
        return any(value_matches(value, member) for member in typing.get_args(annotation))
    if annotation is None or annotation is type(None):
        return value is None
    expected = runtime_class(annotation)
    if expected is None:
        return True
    if isinstance(value, bool) and expected is not bool and expected in (int, float):
        return False  # YAML's true is not a number
    if expected is float and isinstance(value, int):
        return True
    return isinstance(value, expected)


def is_compatible(produced: Any, expected: Any) -> bool:
    """Whether an output annotated ``produced`` may feed an input annotated ``expected``."""
    if produced is Any or expected is Any or expected is object:
        return True
    if typing.get_origin(expected) in UNIONS:
        return any(is_compatible(produced, member) for member in typing.get_args(expected))
    if typing.get_origin(produced) in UNIONS:
        return all(is_compatible(member, expected) for member in typing.get_args(produced))
    produced_class, expected_class = runtime_class(produced), runtime_class(expected)
    if produced_class is None or expected_class is None:
        return True
    if expected_class is float and produced_class is int:
        return True  # as in type checkers: an int is acceptable where a float is expected
    if _is_table(produced_class) and _is_table(expected_class):
        return True  # a Dataset and a DataFrame convert when loaded (dataset.convert_input)
    return issubclass(produced_class, expected_class)


def _is_table(cls: type) -> bool:
    """A pandas DataFrame or a zenml Dataset (recognised without importing either)."""
    module = cls.__module__.partition(".")[0]
    return (module, cls.__qualname__) in {("pandas", "DataFrame"), ("zenml_core", "Dataset")}
