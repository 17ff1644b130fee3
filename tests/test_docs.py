"""The generated references match the code, and the guides exist."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "generate_docs", ROOT / "scripts" / "generate_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("name", ["hooks", "cli"])
def test_the_generated_reference_is_current(name: str) -> None:
    expected = getattr(generator(), f"{name}_markdown")()
    assert (ROOT / "docs" / f"{name}.md").read_text() == expected, (
        f"docs/{name}.md is out of date: run `python scripts/generate_docs.py`"
    )


def test_every_hook_is_in_the_reference() -> None:
    from zenml_core.plugin import spec

    reference = (ROOT / "docs" / "hooks.md").read_text()
    for name in spec.__all__:
        assert f"## `{name}`" in reference


def test_the_guides_link_to_the_references() -> None:
    guide = (ROOT / "docs" / "writing-a-plugin.md").read_text()
    assert "[hooks.md](hooks.md)" in guide and "contrib/zenml-subprocess" in guide
