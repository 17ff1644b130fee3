"""Killed runs, resuming them, and several processes running pipelines at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest import mysql_settings, reset_mysql, run_zenml

PIPELINE = """
    import os
    import time
    from pathlib import Path

    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step


    @step
    def prepare(count: int = 5) -> list[int]:
        return list(range(count))


    @step
    def slow(values: list[int]) -> int:
        Path("slow-started").touch()
        time.sleep(float(os.environ.get("SLOW_SECONDS", "0")))
        return sum(values)


    @step
    def finish(total: int, label: str = "x") -> str:
        return f"{label}:{total}"


    @pipeline
    def crashy(label: str = "x"):
        finish(slow(prepare()), label=label)


    if __name__ == "__main__":
        import sys

        crashy(label=sys.argv[1] if len(sys.argv) > 1 else "x")
"""


@pytest.fixture
def project(git_repo: Path) -> Path:
    (git_repo / "pipeline.py").write_text(textwrap.dedent(PIPELINE))
    assert run_zenml("init", cwd=git_repo).returncode == 0
    return git_repo


def zenml_json(*args: str, cwd: Path) -> object:
    result = run_zenml(*args, "--output", "json", cwd=cwd)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def kill_during_slow_step(project: Path) -> str:
    environment = {**os.environ, "SLOW_SECONDS": "120"}
    process = subprocess.Popen(
        [sys.executable, "pipeline.py"],
        cwd=project,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (project / "slow-started").exists():
        assert process.poll() is None and time.monotonic() < deadline, "the run never got going"
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    (run,) = zenml_json("runs", "list", cwd=project)  # type: ignore[misc]
    return str(run["name"])


def test_a_killed_run_is_shown_failed_leaves_no_partial_artifact_and_resumes(
    project: Path,
) -> None:
    name = kill_during_slow_step(project)
    shown = zenml_json("runs", "show", name, cwd=project)
    assert shown["status"] == "failed"  # type: ignore[index]
    assert shown["error"].startswith("orphaned: its process (pid ")  # type: ignore[index]
    steps = {s["step"]: s for s in shown["steps"]}  # type: ignore[index]
    assert steps["prepare"]["status"] == "completed"
    assert steps["slow"]["status"] == "failed" and steps["slow"]["outputs"] == {}
    assert "finish" not in steps
    run_folder = project / ".zen" / "artifacts" / "crashy" / shown["id"]  # type: ignore[index]
    # nothing of "slow"; the run manifest is the one written when the run opened
    assert sorted(p.name for p in run_folder.iterdir()) == ["manifest.json", "prepare"]
    assert json.loads((run_folder / "manifest.json").read_text())["status"] == "running"

    resumed = run_zenml("runs", "resume", name, cwd=project)
    assert resumed.returncode == 0, resumed.stderr
    assert "[prepare] reused" in resumed.stdout and "[slow] started" in resumed.stdout
    newest = zenml_json("runs", "list", cwd=project)[0]  # type: ignore[index]
    shown = zenml_json("runs", "show", newest["name"], cwd=project)
    assert shown["status"] == "completed" and shown["resumed_from"] == shown_id(project, name)  # type: ignore[index]
    statuses = {s["step"]: s["status"] for s in shown["steps"]}  # type: ignore[index]
    assert statuses == {"prepare": "cached", "slow": "completed", "finish": "completed"}


def test_two_concurrent_resumes_of_a_run_one_proceeds_and_a_completed_resume_is_final(
    project: Path,
) -> None:
    name = kill_during_slow_step(project)
    (project / "slow-started").unlink()
    environment = {**os.environ, "SLOW_SECONDS": "3"}
    environment = {k: v for k, v in environment.items() if not k.startswith("ZENML_")}
    zenml = str(Path(sys.executable).with_name("zenml"))
    resumes = [
        subprocess.Popen(
            [zenml, "runs", "resume", name],
            cwd=project,
            env=environment,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    results = [(process.wait(timeout=120), *process.communicate()) for process in resumes]
    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 1], results
    refused = next(err for code, _, err in results if code == 1)
    assert f"run {name} is being resumed by run " in refused and "still running" in refused
    runs = zenml_json("runs", "list", cwd=project)
    assert isinstance(runs, list) and len(runs) == 2  # the killed run and one resume
    again = run_zenml("runs", "resume", name, cwd=project)
    assert again.returncode == 1
    assert f"run {name} was already resumed by run {runs[0]['name']}, which completed" in (
        again.stderr
    )


def shown_id(project: Path, name: str) -> str:
    return str(zenml_json("runs", "show", name, cwd=project)["id"])  # type: ignore[index]


def test_resume_refuses_when_the_code_changed(project: Path) -> None:
    name = kill_during_slow_step(project)
    source = (project / "pipeline.py").read_text()
    (project / "pipeline.py").write_text(
        source.replace("return list(range(count))", "return list(range(count + 1))")
    )
    refused = run_zenml("runs", "resume", name, cwd=project)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Error: cannot resume: step 'prepare' changed since the run (its code, or code it calls, "
        "is different), so its outputs cannot be reused; run the pipeline again instead"
    )
    assert len(zenml_json("runs", "list", cwd=project)) == 1  # type: ignore[arg-type]


def test_a_completed_run_cannot_be_resumed(project: Path) -> None:
    assert subprocess.run([sys.executable, "pipeline.py"], cwd=project).returncode == 0
    name = zenml_json("runs", "list", cwd=project)[0]["name"]  # type: ignore[index]
    result = run_zenml("runs", "resume", name, cwd=project)
    assert result.returncode == 1 and "completed; there is nothing to resume" in result.stderr


def use_mysql(project: Path) -> None:
    reset_mysql()
    settings = mysql_settings()
    register = run_zenml(
        "metadata-store",
        "register",
        "team",
        "--flavor",
        "mysql",
        f"--host={settings['host']}",
        f"--port={settings['port']}",
        f"--user={settings['user']}",
        f"--database={settings['database']}",
        "--password_env=TEST_MYSQL_PASSWORD",
        cwd=project,
    )
    assert register.returncode == 0, register.stderr
    stack = run_zenml(
        "stack",
        "register",
        "team",
        "-a",
        "default",
        "-m",
        "team",
        "-o",
        "default",
        "--set",
        cwd=project,
    )
    assert stack.returncode == 0, stack.stderr


@pytest.mark.parametrize("database", ["sqlite", "mysql"])
def test_four_processes_at_once(
    project: Path, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_MYSQL_PASSWORD", str(mysql_settings()["password"]))
    environment = {
        **os.environ,
        "SLOW_SECONDS": "0.2",
        "TEST_MYSQL_PASSWORD": str(mysql_settings()["password"]),
    }
    if database == "mysql":
        use_mysql(project)
    processes = [
        subprocess.Popen(
            [sys.executable, "pipeline.py", f"p{index}"],
            cwd=project,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for index in range(4)
    ]
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        assert "database is locked" not in err + out

    runs = zenml_json("runs", "list", cwd=project)
    assert len(runs) == 4 and {r["status"] for r in runs} == {"completed"}  # type: ignore[index, union-attr]
    for run in runs:  # type: ignore[union-attr]
        shown = zenml_json("runs", "show", run["name"], cwd=project)
        steps = [s["step"] for s in shown["steps"]]  # type: ignore[index]
        assert sorted(steps) == ["finish", "prepare", "slow"]  # each once: no duplicate, no loss
    # A fifth run of one of them finds everything in the shared cache.
    again = subprocess.run(
        [sys.executable, "pipeline.py", "p0"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr
    newest = zenml_json("runs", "list", cwd=project)[0]  # type: ignore[index]
    shown = zenml_json("runs", "show", newest["name"], cwd=project)
    assert {s["status"] for s in shown["steps"]} == {"cached"}  # type: ignore[index]


def test_a_killed_run_is_rebuilt_from_its_step_manifests(project: Path) -> None:
    from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig

    name = kill_during_slow_step(project)
    assert (
        run_zenml(
            "metadata-store",
            "register",
            "spare",
            "--flavor",
            "sqlite",
            "--path=spare.db",
            cwd=project,
        ).returncode
        == 0
    )
    rebuilt = run_zenml("metadata", "rebuild", "--into", "spare", cwd=project)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.startswith("Rebuilt 1 runs, 1 step runs and 1 artifacts")
    store = SQLiteMetadataStore(
        name="spare", config=SQLiteMetadataStoreConfig(path="spare.db"), root=project
    )
    (run,) = store.list_runs()
    assert (run.name, run.status) == (name, "failed")
    assert run.error.startswith("orphaned: the run never closed")
    assert [(s.name, s.status) for s in store.list_step_runs(run.id)] == [("prepare", "completed")]


def test_resume_runs_steps_recorded_with_another_cache_key_recipe_again(project: Path) -> None:
    """A step recorded before the key's recipe changed cannot be verified: it is not called
    changed (which would refuse the resume), it runs again."""
    import sqlite3

    name = kill_during_slow_step(project)
    with sqlite3.connect(project / ".zen" / "metadata.db") as database:
        database.execute("UPDATE step_run SET cache_parts = NULL, cache_key = 'an old recipe'")
    resumed = run_zenml("runs", "resume", name, cwd=project)
    assert resumed.returncode == 0, resumed.stderr
    assert (
        "[prepare] cannot be verified (recorded with cache key recipe 2 or older, this "
        "zenml-core uses 3): it runs again"
    ) in resumed.stdout
    newest = zenml_json("runs", "list", cwd=project)[0]  # type: ignore[index]
    shown = zenml_json("runs", "show", newest["name"], cwd=project)
    statuses = {s["step"]: s["status"] for s in shown["steps"]}  # type: ignore[index]
    assert statuses == {"prepare": "completed", "slow": "completed", "finish": "completed"}


def test_a_killed_run_comes_back_from_a_rebuild_whole_and_a_damaged_manifest_is_skipped(
    project: Path,
) -> None:
    name = kill_during_slow_step(project)
    killed_id = shown_id(project, name)
    assert subprocess.run([sys.executable, "pipeline.py", "y"], cwd=project).returncode == 0
    assert subprocess.run([sys.executable, "pipeline.py", "z"], cwd=project).returncode == 0
    before = zenml_json("runs", "list", cwd=project)
    assert isinstance(before, list) and len(before) == 3
    damaged = project / ".zen" / "artifacts" / "crashy" / before[0]["id"] / "manifest.json"
    damaged.write_text(damaged.read_text()[:100])  # the newest run's manifest, truncated

    (project / ".zen" / "metadata.db").rename(project / "lost.db")
    rebuilt = run_zenml("metadata", "rebuild", cwd=project)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert f"the manifest in {damaged.parent} is damaged (" in rebuilt.stderr
    assert "skipped" in rebuilt.stderr
    runs = zenml_json("runs", "list", cwd=project)
    assert isinstance(runs, list)
    killed = next(run for run in runs if run["id"] == killed_id)
    shown = zenml_json("runs", "show", killed["name"], cwd=project)
    assert isinstance(shown, dict)
    assert shown["status"] == "failed" and shown["error"].startswith("orphaned")
    assert shown["parameters"] == {"label": "x"}  # from the manifest written at the start
    assert [s["step"] for s in shown["steps"]] == ["prepare"]
    resumed = run_zenml("runs", "resume", killed["name"], cwd=project)
    assert resumed.returncode == 0, resumed.stderr
    assert "[prepare] reused" in resumed.stdout
    # the run whose manifest was damaged comes back from the manifests of the steps it ran
    # (only `finish`: its label changed), without a spec, and still shows
    newest = next(run for run in runs if run["id"] == before[0]["id"])
    shown = zenml_json("runs", "show", newest["name"], cwd=project)
    assert isinstance(shown, dict) and [s["step"] for s in shown["steps"]] == ["finish"]
