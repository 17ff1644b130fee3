"""The bad-input catalogue: each mistake gives one line naming the thing and the fix, exits
non-zero, and changes nothing that is stored."""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import pytest
from conftest import GOOD, run_zenml


def stored_state(project: Path) -> dict[str, str]:
    """A fingerprint of everything zenml stores: configuration, database rows, artifacts."""
    import sqlite3

    zen = project / ".zen"
    rows = []
    with sqlite3.connect(zen / "metadata.db") as connection:
        for (table,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
            rows.append((table, connection.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()))
    artifacts = sorted(
        str(p.relative_to(zen)) for p in (zen / "artifacts").rglob("*") if ".tmp" not in p.parts
    )
    return {
        "config": hashlib.sha256((zen / "config.yaml").read_bytes()).hexdigest(),
        "rows": hashlib.sha256(repr(rows).encode()).hexdigest(),
        "artifacts": hashlib.sha256(repr(artifacts).encode()).hexdigest(),
    }


def fails_cleanly(project: Path, *args: str, cwd: Path | None = None) -> str:
    before = stored_state(project)
    result = run_zenml(*args, cwd=cwd or project)
    assert result.returncode == 1, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert stored_state(project) == before
    return lines[0]


def test_malformed_config_file(project: Path) -> None:
    config = project / ".zen" / "config.yaml"
    original = config.read_text()
    config.write_text(original.replace("active_stack: default", "active_stack: [default"))
    before = config.read_bytes()
    result = run_zenml("stack", "list", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith(f"Error: {config}: malformed YAML at line 3, column 7")
    assert config.read_bytes() == before
    config.write_text(original)


def test_unknown_flavor_lists_the_known_ones(project: Path) -> None:
    line = fails_cleanly(project, "orchestrator", "register", "x", "--flavor", "kubeflw")
    assert re.fullmatch(
        r"Error: unknown orchestrator flavor 'kubeflw' \(installed: ([a-z]+, )*local(, [a-z]+)*\); "
        r"install the plugin that provides it, then check `zenml orchestrator flavors`",
        line,
    )


def test_wrong_field_type(project: Path) -> None:
    line = fails_cleanly(
        project, "orchestrator", "register", "x", "--flavor", "local", "--workers=many"
    )
    assert (
        line == "Error: command line: orchestrator 'x' (local): workers: expected int, got 'many'"
    )


def test_unknown_stack_and_component(project: Path) -> None:
    assert fails_cleanly(project, "stack", "set", "nope") == (
        "Error: no stack named 'nope' (registered: default)"
    )
    assert fails_cleanly(project, "artifact-store", "describe", "nope") == (
        "Error: no artifact store named 'nope'; see `zenml artifact-store list`"
    )
    assert "no orchestrator named 'nope'" in fails_cleanly(
        project, "stack", "register", "s", "-a", "default", "-m", "default", "-o", "nope"
    )


def test_unknown_run_and_artifact(project: Path) -> None:
    assert fails_cleanly(project, "runs", "show", "nope") == (
        "Error: no run with id or name 'nope'; see `zenml runs list`"
    )
    assert fails_cleanly(project, "artifacts", "show", "999") == (
        "Error: no artifact with id 999; see `zenml runs show RUN`"
    )


def test_missing_pipeline_file_or_function(project: Path) -> None:
    assert fails_cleanly(project, "pipeline", "run", "missing.py:fine") == (
        f"Error: 'missing.py:fine': no such file {project / 'missing.py'}"
    )
    assert fails_cleanly(project, "pipeline", "run", "good.py:nope") == (
        "Error: 'good.py:nope': good.py has no pipeline named 'nope' (pipelines in it: fine; "
        "decorate one with @pipeline)"
    )
    assert "write FILE.py:PIPELINE" in fails_cleanly(project, "pipeline", "run", "good.py")


def test_a_pipeline_file_that_raises_on_import(project: Path) -> None:
    (project / "broken.py").write_text("import os\n\nSETTING = 1 / 0\n")
    assert fails_cleanly(project, "pipeline", "run", "broken.py:anything") == (
        "Error: 'broken.py:anything': importing broken.py raised ZeroDivisionError: division by "
        "zero (line 3); fix the file and try again"
    )
    (project / "syntax.py").write_text("def broken(:\n    pass\n")
    assert "importing syntax.py raised SyntaxError" in fails_cleanly(
        project, "pipeline", "run", "syntax.py:x"
    )


def test_a_parameter_that_cannot_be_serialised(project: Path) -> None:
    (project / "params.py").write_text(
        textwrap.dedent(
            """
            from zenml_core.pipelines import pipeline
            from zenml_core.steps import step

            @step
            def use(value: object) -> int:
                return 1

            @pipeline
            def bad():
                use(value=object())
            """
        )
    )
    line = fails_cleanly(project, "pipeline", "run", "params.py:bad")
    assert line.startswith(
        "Error: step 'use': parameter 'value' (object) cannot be serialised to JSON"
    )
    assert line.endswith("or make it the output of a step so it becomes an artifact")


@pytest.mark.parametrize("name", ["../escape", "a/b", "..", "a\\\\b"])
def test_names_that_could_escape_the_artifact_store(project: Path, name: str) -> None:
    (project / "names.py").write_text(
        textwrap.dedent(
            f"""
            from zenml_core.pipelines import pipeline
            from zenml_core.steps import step

            @step(name={name!r})
            def sneaky() -> int:
                return 1

            @pipeline
            def escape():
                sneaky()
            """
        )
    )
    line = fails_cleanly(project, "pipeline", "run", "names.py:escape")
    assert line.startswith(f"Error: step name {name!r} is not allowed: use letters, digits")
    assert "without '..' or path separators" in line


def test_an_output_name_is_checked_too(project: Path) -> None:
    from zenml_core.errors import PipelineDefinitionError
    from zenml_core.pipelines.spec import PipelineSpec

    spec = {
        "name": "p",
        "steps": [{"name": "s", "source": "m:s", "outputs": {"../out": {"type": "builtins:int"}}}],
    }
    with pytest.raises(PipelineDefinitionError, match=r"output name '\.\./out' is not allowed"):
        PipelineSpec.from_dict(spec)


def test_a_folder_that_is_not_a_git_repository(tmp_path: Path) -> None:
    result = run_zenml("init", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"Error: {tmp_path.resolve()} is not inside a git repository; run `git init` first "
        "(zenml records the git commit of every run)\n"
    )
    assert not (tmp_path / ".zen").exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"\xff\xfe\x00binary", "not UTF-8 text (byte 0 is 0xff)"),
        (b"version: 1\x00\x01\x02", "malformed YAML"),
    ],
)
def test_a_binary_config_file_is_named(project: Path, content: bytes, expected: str) -> None:
    config = project / ".zen" / "config.yaml"
    original = config.read_bytes()
    config.write_bytes(content)
    try:
        line = fails_cleanly(project, "stack", "list")
        assert line.startswith(f"Error: {config}: ") and expected in line
    finally:
        config.write_bytes(original)


def test_a_component_setting_out_of_range_fails_when_registered(project: Path) -> None:
    assert fails_cleanly(
        project, "orchestrator", "register", "eager", "--flavor", "local", "--workers=-1"
    ) == (
        "Error: command line: orchestrator 'eager' (local): workers: must be greater than 0, got -1"
    )
    assert "port: must be a port from 1 to 65535, got 70000" in fails_cleanly(
        project, "metadata-store", "register", "db", "--flavor", "mysql", "--database=d",
        "--port=70000",
    )  # fmt: skip


TYPED = """
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step


    @step
    def make(rows: int) -> int:
        return rows


    @pipeline
    def typed(rows: int = 10, ratio: float = 0.5, label: str | None = None):
        make(rows=rows)
"""


@pytest.mark.parametrize(
    ("parameters", "expected"),
    [
        ("rows: many", "parameter 'rows' is declared int, but the run config gives 'many' (str)"),
        ("rows: true", "parameter 'rows' is declared int, but the run config gives True (bool)"),
        ("label: 3", "parameter 'label' is declared str | None, but the run config gives 3"),
    ],
)
def test_config_parameters_are_checked_against_the_pipeline_annotations(
    project: Path, parameters: str, expected: str
) -> None:
    (project / "typed.py").write_text(textwrap.dedent(TYPED))
    (project / "run.yaml").write_text(f"parameters:\n  {parameters}\n")
    line = fails_cleanly(project, "pipeline", "run", "typed.py:typed", "--config", "run.yaml")
    assert line == f"Error: pipeline 'typed': {expected}" or expected in line
    (project / "run.yaml").write_text("parameters:\n  rows: 3\n  ratio: 1\n  label: null\n")
    assert (
        run_zenml(
            "pipeline", "run", "typed.py:typed", "--config", "run.yaml", cwd=project
        ).returncode
        == 0
    )  # an int where a float is declared, None where it is allowed


def test_one_name_limit_for_pipelines_steps_and_outputs(project: Path) -> None:
    long_name = "p" * 101
    (project / "long.py").write_text(
        textwrap.dedent(GOOD).replace("@pipeline\n", f"@pipeline(name={long_name!r})\n")
    )
    line = fails_cleanly(project, "pipeline", "run", "long.py:fine")
    assert "pipeline name 'pppp" in line and "is 101 characters long" in line
    assert "limited to 100" in line
    (project / "steps100.py").write_text(
        textwrap.dedent(GOOD)
        .replace("def one()", f"def {'s' * 99}()")
        .replace("    one()", f"    {'s' * 99}()\n    {'s' * 99}()")
    )  # the second call is named sss..._2: 101 characters, composed by zenml
    line = fails_cleanly(project, "pipeline", "run", "steps100.py:fine")
    assert "step name 'ssss" in line and "is 101 characters long" in line
