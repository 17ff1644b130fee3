"""The zenml repository: the ``.zen/`` folder at the root of the user's git repository.

Finding it walks up from the current directory, so commands work from any subfolder. Reading
the git state uses GitPython, imported only when asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from attrs import frozen

from zenml_core.config.files import read_repository_config, write_repository_config
from zenml_core.config.models import RepositoryConfig
from zenml_core.errors import RepositoryError

if TYPE_CHECKING:
    from zenml_core.plugin.manager import PluginManager

ZEN_DIR_NAME = ".zen"
CONFIG_FILE_NAME = "config.yaml"

# What stays out of git: the data, not the configuration.
# Folders of a repository that hold no project code.
_NOT_PROJECT = {".git", ".zen", ".venv", "venv", ".tox", "node_modules", "__pycache__", "build"}
_GITIGNORE = (
    "# written by `zenml init`: keep artifacts and the metadata database out of git\n"
    "artifacts/\nmetadata.db*\n"
)


@frozen
class GitState:
    """The commit a run was made from and whether the working tree had changes."""

    commit: str | None
    branch: str | None
    dirty: bool


def _walk_up(start: Path) -> list[Path]:
    start = start.resolve()
    return [start, *start.parents]


def find_git_root(start: Path) -> Path | None:
    """The closest folder at or above ``start`` holding ``.git`` (a folder, or a worktree file)."""
    return next((folder for folder in _walk_up(start) if (folder / ".git").exists()), None)


@frozen
class Repository:
    """A folder that holds ``.zen/config.yaml``."""

    root: Path

    @property
    def zen_dir(self) -> Path:
        return self.root / ZEN_DIR_NAME

    @property
    def config_path(self) -> Path:
        return self.zen_dir / CONFIG_FILE_NAME

    @classmethod
    def find(cls, start: Path | None = None) -> Repository:
        """The repository at or above ``start`` (default: the current directory)."""
        start = Path.cwd() if start is None else start
        for folder in _walk_up(start):
            if (folder / ZEN_DIR_NAME / CONFIG_FILE_NAME).is_file():
                return cls(folder)
        raise RepositoryError(
            f"no zenml repository in {start} or its parents; run `zenml init` inside your git "
            "repository"
        )

    @classmethod
    def initialize(
        cls, start: Path | None = None, *, plugins: PluginManager
    ) -> tuple[Repository, bool]:
        """Create ``.zen/`` at the root of the git repository around ``start``.

        Returns the repository and whether anything was created; running it again changes
        nothing. The default stack's components are initialized (artifact folder, database).
        """
        from zenml_core.stack.builder import load_stack

        start = Path.cwd() if start is None else start
        git_root = find_git_root(start)
        if git_root is None:
            raise RepositoryError(
                f"{start.resolve()} is not inside a git repository; run `git init` first "
                "(zenml records the git commit of every run)"
            )
        repository = cls(git_root)
        if repository.config_path.is_file():
            return repository, False
        repository.zen_dir.mkdir(exist_ok=True)
        (repository.zen_dir / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
        config = RepositoryConfig.default()
        load_stack(repository, config=config, plugins=plugins, environ={}).initialize()
        # Written last: a crash above leaves no half-initialized repository behind.
        repository.save_config(config)
        return repository, True

    def make_importable(self, sources: Iterable[str] = ()) -> None:
        """Put on ``sys.path`` what the project needs to import: its root (the project's
        packages import as with ``python -m``), and for each recorded step source
        (``module:step``) whose top-level module is not importable, the folder of the
        project file that defines it (a pipeline file run by path from a subfolder)."""
        import importlib.util
        import os
        import sys

        if str(self.root) not in sys.path:
            sys.path.insert(0, str(self.root))
        missing = {source.partition(":")[0].split(".")[0] for source in sources}
        missing = {name for name in missing if name and importlib.util.find_spec(name) is None}
        for folder, children, files in os.walk(self.root):
            if not missing:
                return
            children[:] = [c for c in children if c not in _NOT_PROJECT and c[0] != "."]
            for name in sorted(missing):
                package = name in children and os.path.isfile(
                    os.path.join(folder, name, "__init__.py")
                )
                if f"{name}.py" in files or package:
                    sys.path.insert(0, folder)
                    missing.discard(name)

    def load_config(self) -> RepositoryConfig:
        return read_repository_config(self.config_path)

    def save_config(self, config: RepositoryConfig, *, private: bool = False) -> None:
        """Write ``.zen/config.yaml``; ``private`` when it now holds a secret (mode 0600)."""
        write_repository_config(self.config_path, config, private=private)

    def git_state(self) -> GitState | None:
        """The current commit, branch and dirty flag (untracked files count), or None when the
        repository's root is not a git work tree or git is missing. One ``git status`` call:
        importing GitPython alone took longer than the run it describes."""
        import subprocess

        if not (self.root / ".git").exists():
            return None
        try:
            status = subprocess.run(
                ["git", "--no-optional-locks", "status", "--porcelain=v2", "--branch",
                 "--untracked-files=normal"],
                cwd=self.root, capture_output=True, text=True, timeout=60, check=False,
            )  # fmt: skip
        except (OSError, subprocess.TimeoutExpired):
            return None
        if status.returncode != 0:
            return None
        commit = branch = None
        dirty = False
        for line in status.stdout.splitlines():
            if line.startswith("# branch.oid "):
                oid = line.removeprefix("# branch.oid ")
                commit = None if oid == "(initial)" else oid
            elif line.startswith("# branch.head "):
                head = line.removeprefix("# branch.head ")
                branch = None if head == "(detached)" else head
            elif line and not line.startswith("#"):
                dirty = True  # a changed, unmerged or untracked entry
        return GitState(commit=commit, branch=branch, dirty=dirty)
