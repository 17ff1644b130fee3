"""When the disk or the database fails, one line names the file and the fix, and nothing is lost.

Read-only folders and full disks are real mounts (a read-only bind mount, a small tmpfs):
CI runs as root, where ``chmod`` would not stop a write. They need mount rights (root): a
developer without them gets a skip, CI a failure.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

from conftest import GOOD, run_zenml

from zenml_core.testing.services import service_missing


def one_error_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def mount(*args: str) -> None:
    result = subprocess.run(["mount", *args], capture_output=True, text=True)
    if result.returncode != 0:
        service_missing(f"cannot mount ({result.stderr.strip()}); these tests need root")


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    mount("--bind", str(folder), str(folder))
    try:
        mount("-o", "remount,bind,ro", str(folder))
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[None]:
    folder.mkdir(parents=True, exist_ok=True)
    mount("-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder))
    try:
        yield
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_damaged_sqlite_file_is_named_with_the_way_back(project: Path) -> None:
    database = project / ".zen" / "metadata.db"
    intact = database.read_bytes()
    for damage in (b"not sqlite at all" + intact[17:], intact[: len(intact) // 3]):
        database.write_bytes(damage)
        for command in (("runs", "list"), ("pipeline", "run", "good.py:fine")):
            line = one_error_line(run_zenml(*command, cwd=project))
            assert f"the metadata store 'default' at {database} is damaged" in line
            assert "`zenml metadata rebuild`" in line
        assert database.read_bytes() == damage  # nothing written over it
    # the way back works as the message says
    database.rename(project / "damaged.db")
    empty = run_zenml("runs", "list", cwd=project)
    assert empty.stdout.strip() == "No runs."
    assert "holds run manifests; `zenml metadata rebuild` restores the history" in empty.stderr
    assert run_zenml("metadata", "rebuild", cwd=project).returncode == 0
    assert "fine-" in run_zenml("runs", "list", cwd=project).stdout


def test_a_read_only_zen_folder_still_reads_and_refuses_writes_naming_the_path(
    project: Path,
) -> None:
    zen = project / ".zen"
    before = run_zenml("runs", "list", "--output", "json", cwd=project).stdout
    with read_only(zen):
        listed = run_zenml("runs", "list", "--output", "json", cwd=project)
        assert listed.returncode == 0, listed.stderr
        assert listed.stdout == before
        name = before.split('"name": "')[1].split('"')[0]
        assert run_zenml("runs", "show", name, cwd=project).returncode == 0
        assert run_zenml("stack", "describe", cwd=project).returncode == 0
        line = one_error_line(run_zenml("pipeline", "run", "good.py:fine", cwd=project))
        assert f"{zen}" in line and "read-only" in line
        line = one_error_line(run_zenml("stack", "set", "default", cwd=project))
        assert f"cannot write {zen / 'config.yaml'}" in line
    assert run_zenml("runs", "list", "--output", "json", cwd=project).stdout == before


def test_a_full_disk_under_the_database_says_so(git_repo: Path) -> None:
    (git_repo / "good.py").write_text(textwrap.dedent(GOOD))
    assert run_zenml("init", cwd=git_repo).returncode == 0
    disk = git_repo / "small-disk"
    with tmpfs(disk, "512k"):
        assert (
            run_zenml(
                *("metadata-store", "register", "small", "--flavor", "sqlite"),
                f"--path={disk}/metadata.db",
                cwd=git_repo,
            ).returncode
            == 0
        )
        assert run_zenml(
            "stack", "register", "small", "-a", "default", "-m", "small", "-o", "default", "--set",
            cwd=git_repo,
        ).returncode == 0  # fmt: skip
        assert run_zenml("pipeline", "run", "good.py:fine", cwd=git_repo).returncode == 0
        filler = disk / "filler"
        descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT)
        with contextlib.suppress(OSError):
            while True:
                os.write(descriptor, b"\0" * 4096)
        os.close(descriptor)
        assert shutil.disk_usage(disk).free < 8192
        line = one_error_line(run_zenml("pipeline", "run", "good.py:fine", cwd=git_repo))
        assert (
            line == f"Error: no space left on device for the metadata store at {disk}/metadata.db"
        )
        filler.unlink()
        runs = run_zenml("runs", "list", cwd=git_repo)
        assert runs.returncode == 0 and runs.stdout.count("fine-") >= 1


def test_a_read_only_artifact_store_fails_the_step_with_its_own_error(project: Path) -> None:
    artifacts = project / ".zen" / "artifacts"
    (project / "run.yaml").write_text("enable_cache: false\n")
    with read_only(artifacts):
        result = run_zenml("pipeline", "run", "good.py:fine", "--config", "run.yaml", cwd=project)
    assert result.returncode == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Error: run fine-") and "step 'one' failed" in line
    assert f"cannot write the outputs of {artifacts}/fine/" in line
    assert "Read-only file system" in line
    assert "manifest" not in line
