"""Pipelines from files, run with the real ``zenml`` command and as scripts."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import run_zenml

PIPELINE = """
    from typing import NamedTuple

    from helpers import scale
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step


    @step
    def load(count: int = 3) -> list[int]:
        return list(range(count))


    class Stats(NamedTuple):
        total: int
        largest: int


    @step
    def stats(values: list[int]) -> Stats:
        return Stats(scale(sum(values)), max(values))


    @step
    def report(total: int, largest: int) -> str:
        return f"total={total} largest={largest}"


    @pipeline
    def numbers(count: int = 3):
        result = stats(load(count=count))
        report(result.total, result.largest)


    if __name__ == "__main__":
        print(numbers().steps["report"].output.load())
"""


def write(path: Path, text: str) -> None:
    path.write_text(textwrap.dedent(text))


@pytest.fixture
def project(git_repo: Path) -> Path:
    write(git_repo / "pipeline.py", PIPELINE)
    write(git_repo / "helpers.py", "def scale(value):\n    return value * 10\n")
    write(git_repo / "unrelated.py", "VALUE = 1\n")
    assert run_zenml("init", cwd=git_repo).returncode == 0
    return git_repo


def zenml_ok(*args: str, cwd: Path) -> str:
    result = run_zenml(*args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


def statuses(cwd: Path) -> dict[str, str]:
    name = json.loads(zenml_ok("runs", "list", "--output", "json", cwd=cwd))[0]["name"]
    shown = json.loads(zenml_ok("runs", "show", name, "--output", "json", cwd=cwd))
    return {step["step"]: step["status"] for step in shown["steps"]}


def test_run_list_show_and_artifacts(project: Path) -> None:
    out = zenml_ok("pipeline", "run", "pipeline.py:numbers", cwd=project)
    assert "[load] started" in out and "[report] finished in" in out
    assert statuses(project) == {"load": "completed", "stats": "completed", "report": "completed"}

    pipelines = json.loads(zenml_ok("pipeline", "list", "--output", "json", cwd=project))
    assert [(p["name"], p["runs"]) for p in pipelines] == [("numbers", 1)]
    runs = json.loads(
        zenml_ok("runs", "list", "--pipeline", "numbers", "--output", "json", cwd=project)
    )
    assert runs[0]["status"] == "completed"
    assert (
        json.loads(zenml_ok("runs", "list", "--status", "failed", "--output", "json", cwd=project))
        == []
    )

    shown = json.loads(zenml_ok("runs", "show", runs[0]["name"], "--output", "json", cwd=project))
    report = next(step for step in shown["steps"] if step["step"] == "report")
    assert report["after"] == ["stats"]
    artifact = json.loads(
        zenml_ok(
            "artifacts",
            "show",
            str(report["outputs"]["output"]),
            "--value",
            "--output",
            "json",
            cwd=project,
        )
    )
    assert (artifact["value_kind"], artifact["value"]) == ("json", "total=30 largest=2")
    assert artifact["produced_by"]["step"] == "report"
    by_path = json.loads(
        zenml_ok("artifacts", "show", "latest/report", "--output", "json", cwd=project)
    )
    assert by_path["id"] == artifact["id"]
    stats = zenml_ok("artifacts", "show", f"{runs[0]['name'][:-3]}/stats/total", "--value",
                     cwd=project)  # fmt: skip
    assert stats.endswith("value: |\n  30\n")
    table = zenml_ok("runs", "show", runs[0]["name"], cwd=project)
    assert "STEP" in table and "stats" in table


def test_runs_are_named_by_latest_or_a_prefix_and_show_their_steps_parameters(
    project: Path,
) -> None:
    zenml_ok("pipeline", "run", "pipeline.py:numbers", cwd=project)
    write(project / "run.yaml", "parameters: {count: 5}\n")
    zenml_ok("pipeline", "run", "pipeline.py:numbers", "--config", "run.yaml", cwd=project)
    newest, older = json.loads(zenml_ok("runs", "list", "--output", "json", cwd=project))

    def shown(reference: str) -> dict[str, Any]:
        return json.loads(zenml_ok("runs", "show", reference, "--output", "json", cwd=project))  # type: ignore[no-any-return]

    assert shown("latest")["id"] == newest["id"]
    assert shown("latest~1")["id"] == older["id"]
    assert shown(newest["id"][:8])["id"] == newest["id"]  # the start of an id
    load = next(step for step in shown("latest")["steps"] if step["step"] == "load")
    assert load["parameters"] == {"count": 5}
    assert "count=5" in zenml_ok("runs", "show", "latest", cwd=project)
    ambiguous = run_zenml("runs", "show", "numbers-", cwd=project)
    assert ambiguous.returncode == 1
    assert (
        f"'numbers-' is the start of several runs ({older['name']}, {newest['name']})"
        in (ambiguous.stderr)
        or f"({newest['name']}, {older['name']})" in ambiguous.stderr
    )


def test_a_config_file_sets_parameters(project: Path) -> None:
    write(project / "run.yaml", "parameters: {count: 5}\nsteps:\n  report: {enable_cache: false}\n")
    zenml_ok("pipeline", "run", "pipeline.py:numbers", "--config", "run.yaml", cwd=project)
    runs = json.loads(zenml_ok("runs", "list", "--output", "json", cwd=project))
    shown = json.loads(zenml_ok("runs", "show", runs[0]["name"], "--output", "json", cwd=project))
    assert shown["parameters"] == {"count": 5}
    write(project / "bad.yaml", "parameters: {count: 5}\nstep: {}\n")
    bad = run_zenml("pipeline", "run", "pipeline.py:numbers", "--config", "bad.yaml", cwd=project)
    assert bad.returncode == 1 and "bad.yaml: (top level): extra fields found (step)" in bad.stderr


def test_editing_a_helper_invalidates_the_cache_but_an_unrelated_file_does_not(
    project: Path,
) -> None:
    zenml_ok("pipeline", "run", "pipeline.py:numbers", cwd=project)
    write(project / "unrelated.py", "VALUE = 2\n")
    zenml_ok("pipeline", "run", "pipeline.py:numbers", cwd=project)
    assert set(statuses(project).values()) == {"cached"}

    write(project / "helpers.py", "def scale(value):\n    return value * 100\n")
    out = zenml_ok("pipeline", "run", "pipeline.py:numbers", cwd=project)
    assert statuses(project) == {"load": "cached", "stats": "completed", "report": "completed"}
    assert "[load] cached" in out


def test_a_script_run_as_main_works_and_shares_the_cache(project: Path) -> None:
    script = subprocess.run(
        [sys.executable, "pipeline.py"], cwd=project, capture_output=True, text=True
    )
    assert script.returncode == 0, script.stderr
    assert script.stdout.splitlines()[-1] == "total=30 largest=2"
    zenml_ok("pipeline", "run", "pipeline.py:numbers", cwd=project)
    assert set(statuses(project).values()) == {"cached"}


def test_graph_prints_the_dag(project: Path) -> None:
    mermaid = zenml_ok("pipeline", "graph", "pipeline.py:numbers", cwd=project)
    assert mermaid.splitlines()[0] == "flowchart TD"
    assert "    stats -->|total → total| report" in mermaid
    dot = zenml_ok("pipeline", "graph", "pipeline.py:numbers", "--format", "dot", cwd=project)
    assert '"load" -> "stats" [label="output → values"];' in dot


def test_a_pipeline_called_at_import_time_is_reported_and_nothing_runs(project: Path) -> None:
    unguarded = PIPELINE.replace('if __name__ == "__main__":\n        ', "")
    write(project / "unguarded.py", unguarded)
    line = next(
        number
        for number, text in enumerate(textwrap.dedent(unguarded).splitlines(), start=1)
        if text.startswith("print(numbers()")
    )
    for command in (("pipeline", "graph"), ("pipeline", "run")):
        result = run_zenml(*command, "unguarded.py:numbers", cwd=project)
        assert result.returncode == 1, result.stdout
        assert result.stderr.strip() == (
            f"Error: unguarded.py line {line} runs pipeline 'numbers' when the file is imported "
            "(zenml imports it to find 'numbers'); put the call under "
            '`if __name__ == "__main__":` so that importing it runs nothing'
        )
        assert "started" not in result.stdout
    assert "No runs" in zenml_ok("runs", "list", cwd=project)


def test_a_step_process_importing_an_unguarded_module_starts_no_second_run(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenml_core.errors import PipelineRunAtImportError
    from zenml_core.utils.source import load_source

    write(project / "module_level.py", PIPELINE.replace('if __name__ == "__main__":\n        ', ""))
    monkeypatch.chdir(project)
    monkeypatch.syspath_prepend(str(project))
    with pytest.raises(PipelineRunAtImportError, match=r"module_level.py line \d+ runs pipeline"):
        load_source(f"{project / 'module_level.py'}:load")
    assert "No runs" in zenml_ok("runs", "list", cwd=project)


def test_a_failing_pipeline_exits_non_zero_with_one_line(project: Path) -> None:
    write(
        project / "broken.py",
        """
        from zenml_core.pipelines import pipeline
        from zenml_core.steps import step

        @step
        def boom() -> int:
            raise RuntimeError("kaput")

        @pipeline
        def broken():
            boom()
        """,
    )
    result = run_zenml("pipeline", "run", "broken.py:broken", cwd=project)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("Error: run broken-")
    assert result.stderr.strip().endswith("failed: step 'boom' failed: RuntimeError: kaput")
    # The user's own frame, file and line, is shown; zenml's frames are not.
    broken = project / "broken.py"
    frame = (
        f'  File "{broken}", line 7, in boom\n    raise RuntimeError("kaput")\nRuntimeError: kaput'
    )
    assert "[boom]   Traceback (most recent call last):" in result.stdout
    assert frame.replace("\n", "\n[boom]   ") in result.stdout
    assert "zenml_core" not in result.stdout
    shown = zenml_ok("runs", "show", "latest", cwd=project)
    assert f"Step 'boom' failed:\nTraceback (most recent call last):\n{frame}" in shown
    assert "zenml_core" not in shown.split("Step 'boom' failed:")[1]
    as_json = json.loads(zenml_ok("runs", "show", "latest", "--output", "json", cwd=project))
    (step,) = as_json["steps"]
    assert step["traceback"].endswith(frame) and "zenml_core" not in step["traceback"]
    missing = run_zenml("pipeline", "run", "broken.py:nothing", cwd=project)
    assert "broken.py has no pipeline named 'nothing' (pipelines in it: broken" in missing.stderr


def test_steps_defined_without_a_file_run_in_process(project: Path) -> None:
    # Like a notebook: the code comes from a string, so no module can be imported later.
    code = textwrap.dedent(
        """
        from zenml_core.pipelines import pipeline
        from zenml_core.steps import step

        @step
        def greet(name: str = "notebook") -> str:
            return f"hello {name}"

        @pipeline
        def hello():
            greet()

        print(hello().steps["greet"].output.load())
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "hello notebook"


def test_a_project_imports_its_packages_and_resumes_without_pythonpath(git_repo: Path) -> None:
    (git_repo / "pkg").mkdir()
    (git_repo / "pipelines").mkdir()
    write(git_repo / "pkg" / "__init__.py", "def helper():\n    return 41\n")
    write(
        git_repo / "pipelines" / "flaky.py",
        "import os\n"
        "from pkg import helper\n"
        "from zenml_core.pipelines import pipeline\n"
        "from zenml_core.steps import step\n\n\n"
        "@step\ndef first() -> int:\n    return helper() + 1\n\n\n"
        "@step\ndef second(value: int) -> int:\n"
        "    if not os.path.exists('ok'):\n        raise ValueError('not yet')\n"
        "    return value\n\n\n"
        "@pipeline\ndef flaky():\n    second(first())\n",
    )
    assert run_zenml("init", cwd=git_repo).returncode == 0
    environment = {"PYTHONPATH": ""}
    failed = run_zenml("pipeline", "run", "pipelines/flaky.py:flaky", cwd=git_repo, env=environment)
    assert failed.returncode == 1 and "ValueError: not yet" in failed.stderr  # pkg imported
    (git_repo / "ok").touch()
    resumed = run_zenml("runs", "resume", "latest", cwd=git_repo, env=environment)
    assert resumed.returncode == 0, resumed.stderr
    assert "[first] reused" in resumed.stdout and "[second] finished in" in resumed.stdout
