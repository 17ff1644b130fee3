"""``python -m zenml_docker.entrypoint``: the warm start and the watch on the submitter, run
as processes here (the containers run the same module)."""

from __future__ import annotations

import fcntl
import subprocess
import sys
import time
from pathlib import Path

from zenml_core.plugin.manager import create_plugin_manager
from zenml_core.testing.external import new_project, record_external_run
from zenml_core.testing.pipelines import linear


def start(root: Path, run_id: str, step: str, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "zenml_docker.entrypoint", *extra, "--run-id", run_id,
         "--run-name", "ahead", "--step", step, "--spec", "spec.json", "--stack", "stack.json"],
        cwd=root, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def test_a_step_started_ahead_waits_for_its_go_file(tmp_path: Path) -> None:
    plugins = create_plugin_manager()
    repo = new_project(tmp_path / "project", plugins)
    stack, _, run_id = record_external_run(repo, plugins, linear, "ahead")
    root = repo.root
    cancelled = start(root, run_id, "numbers", "--wait-for", str(root / "go-cancelled"))
    waiting = start(root, run_id, "numbers", "--wait-for", str(root / "go-numbers"))
    time.sleep(1.0)
    assert cancelled.poll() is None and waiting.poll() is None  # both wait
    assert stack.metadata_store.list_step_runs(run_id) == []
    (root / "go-cancelled.cancel").touch()
    assert cancelled.wait(timeout=30) == 0
    assert stack.metadata_store.list_step_runs(run_id) == []  # it ran nothing
    (root / "go-numbers").touch()
    assert waiting.wait(timeout=30) == 0
    assert [s.status for s in stack.metadata_store.list_step_runs(run_id)] == ["completed"]


def test_a_step_stops_when_its_submitter_dies_even_by_sigkill(tmp_path: Path) -> None:
    plugins = create_plugin_manager()
    repo = new_project(tmp_path / "project", plugins)
    stack, _, run_id = record_external_run(repo, plugins, linear, "ahead")
    lock = repo.root / "submitter.lock"
    lock.touch()
    holder = subprocess.Popen(  # plays the submitting process: holds the lock, then is killed
        [sys.executable, "-c", f"import fcntl, time; h = open({str(lock)!r}, 'wb'); "
         "fcntl.flock(h, fcntl.LOCK_EX); print('held', flush=True); time.sleep(600)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    waiting = start(repo.root, run_id, "numbers", "--submitter-lock", str(lock),
                    "--wait-for", str(repo.root / "go-never"))  # fmt: skip
    time.sleep(1.5)
    assert waiting.poll() is None  # the submitter lives: it waits
    holder.kill()
    holder.wait()
    assert waiting.wait(timeout=10) == 137
    assert "the process that submitted this step is gone" in waiting.communicate()[1]
    assert stack.metadata_store.list_step_runs(run_id) == []
    with lock.open("wb") as handle:  # nobody holds it any more
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
