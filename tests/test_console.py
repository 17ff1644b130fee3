"""The real ``zenml`` console script in fresh processes: installed plugins, import weight."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import git, run_zenml

from zenml_core.testing.sources import clean_copies

HEAVY = ["docker", "kfp", "google.cloud", "git", "numpy", "pandas", "tensorflow", "peewee"]


@pytest.fixture
def initialized(git_repo: Path) -> Path:
    result = run_zenml("init", cwd=git_repo)
    assert result.returncode == 0, result.stderr
    return git_repo


def imported_modules(code: str, cwd: Path) -> set[str]:
    script = f"import sys\n{code}\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, check=False
    )
    return set(result.stderr.split())


RUN_CLI = "from zenml_core.cli import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    pass"


@pytest.mark.parametrize(
    "code",
    [
        "import zenml_core",
        RUN_CLI.format(args=["--help"]),
        RUN_CLI.format(args=["stack", "list"]),
        RUN_CLI.format(args=["orchestrator", "flavors"]),
    ],
    ids=["import", "help", "stack-list", "flavors"],
)
def test_the_core_and_cli_stay_import_light(code: str, initialized: Path) -> None:
    modules = imported_modules(code, initialized)
    assert "zenml_core" in modules
    # Some distributions import their namespace at start-up (google-cloud-*'s nspkg.pth).
    at_startup = imported_modules("", initialized)
    loaded = [name for name in HEAVY if name in modules - at_startup]
    assert loaded == [], f"{code!r} imported {loaded}"


def test_installed_plugin_flavor_and_command_appear(
    initialized: Path, installed_plugins: Path
) -> None:
    flavors = run_zenml("orchestrator", "flavors", cwd=initialized, extra_path=installed_plugins)
    assert flavors.returncode == 0, flavors.stderr
    lines = flavors.stdout.splitlines()
    assert lines[0].split() == ["FLAVOR", "DISTRIBUTION", "DESCRIPTION"]
    assert ["tiny", "zenml-tiny"] in [line.split()[:2] for line in lines[1:]]
    # The broken plugin is reported once, naming its distribution, and the CLI keeps working.
    warning_lines = flavors.stderr.splitlines()
    assert len(warning_lines) == 1
    assert warning_lines[0].startswith("Warning: plugin 'broken' from zenml-broken 0.0.1 failed")

    hello = run_zenml("tiny", cwd=initialized, extra_path=installed_plugins)
    assert hello.stdout == "hello from zenml-tiny\n"
    assert "tiny" in run_zenml("--help", cwd=initialized, extra_path=installed_plugins).stdout

    listed = run_zenml(
        "plugins", "list", "--output", "json", cwd=initialized, extra_path=installed_plugins
    )
    rows = {row["distribution"]: row for row in json.loads(listed.stdout)}
    assert rows["zenml-tiny"]["status"] == "loaded"
    assert rows["zenml-broken"]["status"] == "failed"
    assert "ModuleNotFoundError" in rows["zenml-broken"]["error"]


def test_blocking_a_plugin_silences_it(initialized: Path, installed_plugins: Path) -> None:
    result = run_zenml(
        "orchestrator",
        "flavors",
        cwd=initialized,
        extra_path=installed_plugins,
        env={"ZENML_BLOCKED_PLUGINS": "broken"},
    )
    assert result.returncode == 0 and result.stderr == ""
    assert "tiny" in result.stdout


def test_a_subfolder_finds_the_repository(initialized: Path) -> None:
    sub = initialized / "src"
    sub.mkdir()
    result = run_zenml("stack", "list", cwd=sub)
    assert result.returncode == 0 and "default" in result.stdout
    git("status", cwd=sub)  # still the same git repository


def test_errors_exit_non_zero_with_one_line(tmp_path: Path) -> None:
    result = run_zenml("init", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path.resolve()} is not inside a git repository; run `git init` first "
        "(zenml records the git commit of every run)"
    ]


def test_a_plugin_for_another_zenml_core_is_reported_and_not_loaded(
    initialized: Path, tmp_path: Path
) -> None:
    target = tmp_path / "ancient-site"
    source = Path(__file__).parent / "plugins" / "zenml-ancient"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), *clean_copies([source], tmp_path)],
        check=True,
    )  # fmt: skip
    listed = run_zenml("plugins", "list", "--output", "json", cwd=initialized, extra_path=target)
    assert listed.returncode == 0, listed.stderr
    row = next(r for r in json.loads(listed.stdout) if r["distribution"] == "zenml-ancient")
    assert row["status"] == "incompatible" and row["provides"] == []
    assert row["error"].startswith("it requires zenml-core<0.1, this is zenml-core 0.1")
    assert "install a zenml-ancient built for this zenml-core" in listed.stderr
    flavors = run_zenml("orchestrator", "flavors", cwd=initialized, extra_path=target)
    assert "ancient" not in flavors.stdout
