"""Reading a step's typed signature: its inputs (artifacts or parameters) and named outputs.

Outputs: a step returning one value has one output named ``output``, or the name it is given
with ``Annotated[int, "quotient"]``. A step returns several with a fixed-arity tuple, each item
named by its ``Annotated`` name or ``output_0``, ``output_1``, ... (``tuple[int, ...]`` stays one
output), or with a ``typing.NamedTuple``, each field an output of that name and type::

    @step
    def divide(a: int, b: int) -> tuple[Annotated[int, "quotient"], Annotated[int, "rest"]]: ...

    class Split(NamedTuple):
        train: pd.DataFrame
        test: pd.DataFrame

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
# Keywords of a step call that the framework takes (``step(x, after=a, id="name", when=flag)``).
RESERVED_KEYWORDS = ("after", "id", "when")
UNIONS = (typing.Union, types.UnionType)


@frozen
class StepSignature:
    """What a step takes and returns."""

    parameters: inspect.Signature
    input_types: dict[str, Any]
    output_types: dict[str, Any]
    output_tuple: type | None  # several outputs: the NamedTuple class, or tuple


def _is_named_tuple(annotation: Any) -> bool:
    return (
        isinstance(annotation, type)
        and issubclass(annotation, tuple)
        and hasattr(annotation, "_fields")
    )


def _annotated_name(annotation: Any, *, step_name: str) -> tuple[Any, str | None]:
    """``Annotated[T, "name"]`` -> (T, "name"); anything else -> (it, None)."""
    if typing.get_origin(annotation) is not typing.Annotated:
        return annotation, None
    base, *extras = typing.get_args(annotation)
    names = [extra for extra in extras if isinstance(extra, str)]
    if len(names) > 1:
        raise StepDefinitionError(
            f"step {step_name!r}: output annotation {annotation!r} gives several names; give one"
        )
    return base, names[0] if names else None


def _read_outputs(returned: Any, *, step_name: str) -> tuple[dict[str, Any], type | None]:
    """The outputs a return annotation declares (name -> type), and the class of a value that
    carries several (None for one)."""
    if returned is type(None):
        return {}, None
    if _is_named_tuple(returned):
        field_types = typing.get_type_hints(returned)
        return {name: field_types.get(name, Any) for name in returned._fields}, returned
    items = typing.get_args(returned)
    if typing.get_origin(returned) is tuple and items and Ellipsis not in items:
        outputs: dict[str, Any] = {}
        for index, item in enumerate(items):
            base, name = _annotated_name(item, step_name=step_name)
            name = name or f"{SINGLE_OUTPUT}_{index}"
            if name in outputs:
                raise StepDefinitionError(
                    f"step {step_name!r}: two outputs are named {name!r}; name each one once"
                )
            outputs[name] = base
        return outputs, tuple
    base, name = _annotated_name(returned, step_name=step_name)
    return {name or SINGLE_OUTPUT: base}, None


def fan_in_input(key: str) -> tuple[str, int] | None:
    """``("models", 2)`` for the spec input ``models[2]``: one item of an input annotated
    ``list[T]`` that several steps' outputs feed; None for a plain input."""
    name, bracket, rest = key.partition("[")
    if not bracket or not rest.endswith("]") or not rest[:-1].isdigit():
        return None
    return name, int(rest[:-1])


def list_item_type(annotation: Any) -> Any | None:
    """``T`` for an input annotated ``list[T]`` (``Any`` for a bare ``list``), else None."""
    if annotation is list:
        return Any
    if typing.get_origin(annotation) is list:
        items = typing.get_args(annotation)
        return items[0] if items else Any
    return None


def check_reserved(step_name: str, names: list[str]) -> None:
    """Step inputs may not use the keywords a step call reserves."""
    for name in names:
        if name in RESERVED_KEYWORDS:
            raise StepDefinitionError(
                f"step {step_name!r}: an input cannot be named {name!r} (a step call takes "
                f"{name}= itself); rename it"
            )


def read_signature(
    function: Callable[..., Any], *, step_name: str, skip_self: bool
) -> StepSignature:
    """Read and check the signature of a step's function (or ``entrypoint`` method)."""
    signature = inspect.signature(function)
    parameters = list(signature.parameters.values())
    if skip_self:
        parameters = parameters[1:]
    check_reserved(step_name, [parameter.name for parameter in parameters])
    for parameter in parameters:
        if parameter.kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise StepDefinitionError(
                f"step {step_name!r}: *{parameter.name} is not supported; name every input"
            )
    try:
        hints = typing.get_type_hints(function)
        returned = typing.get_type_hints(function, include_extras=True).get("return", Any)
    except NameError as exc:
        raise StepDefinitionError(
            f"step {step_name!r}: cannot resolve a type annotation ({exc}); import that name "
            "at module level of the step's file"
        ) from None
    input_types = {p.name: hints.get(p.name, Any) for p in parameters}
    output_types, output_tuple = _read_outputs(returned, step_name=step_name)
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


def describe_type(annotation: Any) -> str:
    """``int``, ``list[int]``, ``int | None``: an annotation as a user wrote it."""
    shown = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    return shown.replace("typing.", "")


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


def is_dataset(annotation: Any) -> bool:
    """Whether ``annotation`` is a zenml Dataset (recognised without importing it)."""
    cls = runtime_class(annotation)
    return cls is not None and (cls.__module__, cls.__qualname__) == (
        "zenml_core.dataset",
        "Dataset",
    )


def _is_table(cls: type) -> bool:
    """A pandas DataFrame or a zenml Dataset (recognised without importing either)."""
    module = cls.__module__.partition(".")[0]
    return (module, cls.__qualname__) in {("pandas", "DataFrame"), ("zenml_core", "Dataset")}


RESOURCES = ("light", "cpu", "memory")


def holds_bulk_data(signature: StepSignature) -> bool:
    """Whether a step reads or returns arrays or tables (numpy, pandas, Datasets): such steps
    run few at a time by default, so many of them at once cannot exhaust memory."""
    for annotation in (*signature.input_types.values(), *signature.output_types.values()):
        for member in typing.get_args(annotation) or (annotation,):
            cls = runtime_class(member)
            if cls is None:
                continue
            module = cls.__module__.partition(".")[0]
            if _is_table(cls) or (module, cls.__qualname__) == ("numpy", "ndarray"):
                return True
    return False
