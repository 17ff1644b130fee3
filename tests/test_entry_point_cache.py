"""The entry-point cache: read once per installation state, rebuilt when a plugin is installed
or removed, when the cache is damaged, and kept per sys.path."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from zenml_core.plugin import entry_points
from zenml_core.plugin.entry_points import find_entry_points

GROUP = "zenml.test_cache"


def install(site: Path, name: str) -> Path:
    """A distribution with one entry point in ``GROUP``, as pip leaves it."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{name} = {name}_module:plugin\n")
    return info


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "site-packages"
    folder.mkdir()
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setenv(entry_points.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return folder


def names() -> list[str]:
    return [found.name for found in find_entry_points(GROUP, lambda dist: None)]


def test_installing_and_removing_a_plugin_invalidates_the_cache(site: Path) -> None:
    assert names() == []
    installed = install(site, "alpha")
    assert names() == ["alpha"]  # installed: the folder changed, the cache is read anew
    install(site, "beta")
    assert sorted(names()) == ["alpha", "beta"]
    shutil.rmtree(installed)
    assert names() == ["beta"]  # removed


def test_an_unchanged_installation_is_not_read_again(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(site, "alpha")
    assert names() == ["alpha"]

    def refuse(*args: Any) -> Any:
        raise AssertionError("the installation was read although nothing changed")

    monkeypatch.setattr(entry_points, "_read_installation", refuse)
    assert names() == ["alpha"]
    found = find_entry_points(GROUP, lambda dist: None)[0]
    assert (found.distribution, found.version, found.value) == (
        "alpha",
        "1.0",
        "alpha_module:plugin",
    )


def test_a_damaged_cache_is_rebuilt_and_sys_path_lists_are_kept_apart(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install(site, "alpha")
    assert names() == ["alpha"]
    (cache,) = (tmp_path / "cache").iterdir()
    cache.write_text("{not json")
    assert names() == ["alpha"]
    other = tmp_path / "other-site"
    other.mkdir()
    install(other, "gamma")
    monkeypatch.syspath_prepend(str(other))
    assert sorted(names()) == ["alpha", "gamma"]
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p != str(other)])
    assert names() == ["alpha"]  # the first state is still cached beside the second


def test_an_incompatible_plugin_is_remembered_with_its_problem(site: Path) -> None:
    install(site, "old")
    found = find_entry_points(GROUP, lambda dist: f"{dist.name} is too old")
    assert found[0].problem == "old is too old"
    again = find_entry_points(GROUP, lambda dist: None)  # from the cache: the problem stays
    assert again[0].problem == "old is too old"
