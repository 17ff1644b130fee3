"""Every hook spec is documented, exported and exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from zenml_core.plugin import PROJECT_NAME, spec


def hook_specs() -> list[str]:
    marker = f"{PROJECT_NAME}_spec"
    return sorted(
        name
        for name, function in vars(spec).items()
        if inspect.isfunction(function) and hasattr(function, marker)
    )


def test_there_are_hooks_for_every_phase() -> None:
    names = hook_specs()
    assert len(names) == 14
    assert all(name.startswith("zenml_") for name in names)
    assert names == sorted(spec.__all__)


@pytest.mark.parametrize("name", hook_specs())
def test_hook_is_documented(name: str) -> None:
    docstring = inspect.getdoc(getattr(spec, name))
    assert docstring and len(docstring) > 40, f"{name} needs a docstring saying when it is called"


@pytest.mark.parametrize("name", hook_specs())
def test_hook_takes_named_arguments_without_defaults(name: str) -> None:
    # pluggy calls hooks with keywords; a default value would be silently ignored.
    parameters = inspect.signature(getattr(spec, name)).parameters.values()
    assert parameters
    for parameter in parameters:
        assert parameter.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
        assert parameter.default is inspect.Parameter.empty


@pytest.mark.parametrize("name", hook_specs())
def test_hook_is_exercised_by_a_test(name: str) -> None:
    here = Path(__file__)
    sources = [path.read_text() for path in here.parent.glob("test_*.py") if path != here]
    assert any(name in source for source in sources), f"no test exercises {name}"
