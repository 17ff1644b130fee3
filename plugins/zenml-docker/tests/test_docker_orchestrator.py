"""The docker orchestrator on a real Docker engine, against the local orchestrator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from conftest import copy_project, zenml

from zenml_core.plugin.manager import create_plugin_manager
from zenml_core.repository import Repository


def latest_run(root: Path) -> dict[str, Any]:
    name = json.loads(zenml("runs", "list", "--output", "json", cwd=root).stdout)[0]["name"]
    return json.loads(zenml("runs", "show", name, "--output", "json", cwd=root).stdout)


def outputs_by_step(root: Path) -> dict[tuple[str, str], tuple[str, str]]:
    """(step, output) -> (content hash, value) of the latest run."""
    from zenml_core.client import Client

    client = Client(Repository(root), plugins=create_plugin_manager())
    run = client.runs()[0]
    return {
        (step.name, name): (artifact.record.content_hash, repr(artifact.load()))
        for step in run.steps.values()
        for name, artifact in step.outputs.items()
    }


def containers_of(client: Any, run_id: str) -> list[Any]:
    return client.containers.list(all=True, filters={"label": f"zenml.run={run_id}"})


def test_a_diamond_runs_in_containers_like_it_runs_locally(
    project: Path, docker_client: Any, tmp_path: Path
) -> None:
    result = zenml("pipeline", "run", "pipelines.py:diamond", cwd=project)
    assert "[source] making 6 numbers" in result.stdout  # streamed with the step's name
    run = latest_run(project)
    assert run["status"] == "completed"
    assert {s["step"]: s["status"] for s in run["steps"]} == dict.fromkeys(
        ["source", "split", "square", "negate", "join"], "completed"
    )
    containers = containers_of(docker_client, run["id"])
    assert sorted(c.labels["zenml.step"] for c in containers) == [
        "join", "negate", "source", "split", "square"
    ]  # fmt: skip
    assert all(c.attrs["State"]["ExitCode"] == 0 for c in containers)

    local = tmp_path / "local"
    copy_project(project, local)
    import subprocess

    subprocess.run(["git", "init", "-q"], cwd=local, check=True)
    zenml("init", cwd=local)
    zenml("pipeline", "run", "pipelines.py:diamond", cwd=local)
    in_docker, in_process = outputs_by_step(project), outputs_by_step(local)
    assert in_docker == in_process
    assert in_docker[("join", "output")][1] == "{'sum': -7, 'count': 6}"


def test_a_cached_step_starts_no_container(project: Path, docker_client: Any) -> None:
    zenml("pipeline", "run", "pipelines.py:diamond", cwd=project)
    zenml("pipeline", "run", "pipelines.py:diamond", cwd=project)
    run = latest_run(project)
    assert {s["status"] for s in run["steps"]} == {"cached"}
    assert containers_of(docker_client, run["id"]) == []
    zenml("pipeline", "run", "pipelines.py:diamond", "--config", write_config(project), cwd=project)
    run = latest_run(project)
    statuses = {s["step"]: s["status"] for s in run["steps"]}
    assert statuses["source"] == "completed" and statuses["join"] == "completed"
    assert len(containers_of(docker_client, run["id"])) == 5


def write_config(project: Path) -> str:
    (project / "run.yaml").write_text("parameters: {count: 8}\n")
    return "run.yaml"


def test_a_failing_step_fails_the_run_and_skips_its_dependants(
    project: Path, docker_client: Any
) -> None:
    result = zenml("pipeline", "run", "pipelines.py:failing", cwd=project, check=False)
    assert result.returncode == 1
    assert "step 'explode' failed: RuntimeError: this step always fails" in result.stderr
    run = latest_run(project)
    statuses = {s["step"]: s["status"] for s in run["steps"]}
    assert statuses == {
        "source": "completed",
        "explode": "failed",
        "after": "skipped",
        "square": "completed",
    }
    # "after" was started ahead, waiting for "explode"; it never ran and was removed.
    steps = sorted(c.labels["zenml.step"] for c in containers_of(docker_client, run["id"]))
    assert steps == ["explode", "source", "square"]


def test_a_container_that_dies_is_recorded_with_its_last_output(project: Path) -> None:
    result = zenml("pipeline", "run", "pipelines.py:vanishing", cwd=project, check=False)
    assert result.returncode == 1
    run = latest_run(project)
    failed = next(s for s in run["steps"] if s["step"] == "hard_exit")
    assert failed["status"] == "failed"
    assert "the process exited with code 3" in failed["error"][0]
    assert "about to vanish" in failed["error"][0]


def test_independent_steps_run_in_parallel_containers(project: Path, docker_client: Any) -> None:
    zenml("pipeline", "run", "pipelines.py:together", cwd=project)
    run = latest_run(project)
    assert run["status"] == "completed"
    for container in containers_of(docker_client, run["id"]):
        host = container.attrs["HostConfig"]
        assert host["Memory"] == 256 * 1024 * 1024 and host["NanoCpus"] == 1_000_000_000
        assert host["NetworkMode"] == "none"


def test_step_settings_and_orchestrator_environment_reach_the_container(project: Path) -> None:
    zenml("pipeline", "run", "pipelines.py:configured", cwd=project)
    values = outputs_by_step(project)
    assert values[("environment", "output")][1] == repr(
        "hello from the step settings / from the orchestrator"
    )


def removing_stack(project: Path) -> None:
    """The project's docker stack without keep_containers."""
    from conftest import BASE_IMAGE

    orchestrator = json.loads(
        zenml("orchestrator", "describe", "containers", "--output", "json", cwd=project).stdout
    )
    wheelhouse = orchestrator["settings"]["wheelhouse"]
    zenml("orchestrator", "register", "removing", "--flavor", "docker",
          f"--base_image={BASE_IMAGE}", f"--wheelhouse={wheelhouse}", "--network=none",
          cwd=project)  # fmt: skip
    zenml("stack", "register", "rm", "-a", "default", "-m", "default", "-o", "removing",
          "--set", cwd=project)  # fmt: skip


def test_finished_containers_are_removed_and_a_dead_submitter_stops_its_steps(
    project: Path, docker_client: Any
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    removing_stack(project)
    zenml("pipeline", "run", "pipelines.py:diamond", cwd=project)
    finished = latest_run(project)
    assert finished["status"] == "completed" and containers_of(docker_client, finished["id"]) == []

    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZENML_")}
    submitter = subprocess.Popen(
        [str(Path(sys.executable).with_name("zenml")), "pipeline", "run", "pipelines.py:napping"],
        cwd=project, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    assert submitter.stdout is not None
    for line in submitter.stdout:  # the step's own output, streamed with its name in front
        if line.startswith("[nap] napping"):
            break
    run_id = latest_run(project)["id"]
    assert [c.labels["zenml.step"] for c in containers_of(docker_client, run_id)] == ["nap"]
    submitter.send_signal(signal.SIGKILL)
    submitter.wait()
    deadline = time.monotonic() + 30
    while containers_of(docker_client, run_id):
        assert time.monotonic() < deadline, "the step container outlived its submitter"
        time.sleep(0.2)
    killed = latest_run(project)
    assert killed["status"] == "failed" and killed["error"].startswith("orphaned: ")
    steps = {s["step"]: s["status"] for s in killed["steps"]}
    assert steps == {"source": "cached", "nap": "failed"}  # source ran in the diamond


def test_a_password_given_by_reference_reaches_the_step_containers(
    project: Path, docker_client: Any
) -> None:
    import os

    from conftest import BASE_IMAGE

    from zenml_core.testing.services import MYSQL, reset_mysql

    reset_mysql()
    orchestrator = json.loads(
        zenml("orchestrator", "describe", "containers", "--output", "json", cwd=project).stdout
    )
    zenml("orchestrator", "register", "networked", "--flavor", "docker",
          f"--base_image={BASE_IMAGE}", f"--wheelhouse={orchestrator['settings']['wheelhouse']}",
          "--network=host", "--keep_containers=true", cwd=project)  # fmt: skip
    planted = "planted-S3cret-7f1c9e"  # user zenml_secret's (scripts/services/mariadb)
    zenml("metadata-store", "register", "team", "--flavor", "mysql", f"--host={MYSQL['host']}",
          f"--port={MYSQL['port']}", "--user=zenml_secret", f"--database={MYSQL['database']}",
          "--password_env=TEST_DB_PASSWORD", cwd=project)  # fmt: skip
    zenml("stack", "register", "team", "-a", "default", "-m", "team", "-o", "networked",
          "--set", cwd=project)  # fmt: skip
    os.environ["TEST_DB_PASSWORD"] = planted
    try:
        zenml("pipeline", "run", "pipelines.py:diamond", cwd=project)
        run = latest_run(project)
    finally:
        del os.environ["TEST_DB_PASSWORD"]
    assert run["status"] == "completed"
    assert {s["status"] for s in run["steps"]} == {"completed"}
    assert planted not in json.dumps(run)
    for container in containers_of(docker_client, run["id"]):
        config = container.attrs["Config"]
        assert f"TEST_DB_PASSWORD={planted}" in config["Env"]  # the process's environment only
        assert planted not in json.dumps([config["Cmd"], config["Labels"]])
