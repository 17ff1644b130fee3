"""``.zen/`` at the root of the git repository: init, find, git state."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import git

from zenml_core.errors import RepositoryError
from zenml_core.metadata_stores.schema import SCHEMA_VERSION
from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository


def test_init_from_a_subfolder_creates_zen_at_the_git_root(
    git_repo: Path, plugins: PluginManager
) -> None:
    subfolder = git_repo / "src" / "models"
    subfolder.mkdir(parents=True)
    repository, created = Repository.initialize(subfolder, plugins=plugins)
    assert created
    assert repository.root == git_repo.resolve()
    zen = git_repo / ".zen"
    assert sorted(p.name for p in zen.iterdir()) == [
        ".gitignore",
        "artifacts",
        "config.yaml",
        "metadata.db",
    ]
    assert (zen / "artifacts").is_dir()
    store = SQLiteMetadataStore(name="default", config=SQLiteMetadataStoreConfig(), root=git_repo)
    assert store.schema_version() == SCHEMA_VERSION
    assert "artifacts/" in (zen / ".gitignore").read_text()


def test_init_twice_changes_nothing(repo: Repository, plugins: PluginManager) -> None:
    before = repo.config_path.read_bytes()
    mtime = repo.config_path.stat().st_mtime_ns
    again, created = Repository.initialize(repo.root, plugins=plugins)
    assert (again, created) == (repo, False)
    assert repo.config_path.read_bytes() == before
    assert repo.config_path.stat().st_mtime_ns == mtime


def test_init_outside_git_says_how_to_fix_it(tmp_path: Path, plugins: PluginManager) -> None:
    with pytest.raises(RepositoryError, match="is not inside a git repository; run `git init`"):
        Repository.initialize(tmp_path, plugins=plugins)
    assert not (tmp_path / ".zen").exists()


def test_find_walks_up_from_a_subfolder(repo: Repository) -> None:
    deep = repo.root / "a" / "b"
    deep.mkdir(parents=True)
    assert Repository.find(deep) == repo


def test_find_without_a_repository_says_how_to_fix_it(git_repo: Path) -> None:
    with pytest.raises(RepositoryError, match=r"no zenml repository in .* run `zenml init`"):
        Repository.find(git_repo)


def test_git_state_reports_commit_branch_and_dirty(repo: Repository) -> None:
    state = repo.git_state()
    assert state is not None and state.commit is None  # no commit yet
    (repo.root / "train.py").write_text("print('hi')\n")
    git("add", "-A", cwd=repo.root)
    git("commit", "-qm", "first", cwd=repo.root)
    state = repo.git_state()
    assert state is not None
    assert state.commit == git("rev-parse", "HEAD", cwd=repo.root)
    assert state.branch == git("rev-parse", "--abbrev-ref", "HEAD", cwd=repo.root)
    assert state.dirty is False  # artifacts and the database are ignored
    (repo.root / "train.py").write_text("print('changed')\n")
    assert repo.git_state().dirty is True  # type: ignore[union-attr]


def test_git_state_sees_untracked_files_a_detached_head_and_no_git(
    repo: Repository, tmp_path: Path
) -> None:
    (repo.root / "train.py").write_text("print('hi')\n")
    git("add", "-A", cwd=repo.root)
    git("commit", "-qm", "first", cwd=repo.root)
    (repo.root / "notes.txt").write_text("new\n")
    assert repo.git_state().dirty is True  # type: ignore[union-attr]  # untracked counts
    (repo.root / "notes.txt").unlink()
    git("checkout", "-q", "--detach", cwd=repo.root)
    state = repo.git_state()
    assert state is not None and state.branch is None and state.dirty is False
    assert state.commit == git("rev-parse", "HEAD", cwd=repo.root)
    plain = tmp_path / "not-git"
    plain.mkdir()
    assert Repository(plain).git_state() is None  # a repository moved out of its git tree
