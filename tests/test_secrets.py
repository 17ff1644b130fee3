"""A secret never shows: not in any command's output, in any format, nor in records or files.

The secret is planted for real: the password of a MariaDB user (created by
scripts/services/mariadb) that a ``mysql`` metadata store logs in with, given on the command
line like users do. A pipeline runs on that stack, one step of it failing with the password in
its error, and then every command that prints components or runs is run in every format.
"""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

import pytest
from conftest import MYSQL, reset_mysql, run_zenml

from zenml_core.config.secrets import (
    MASK,
    public_raw_settings,
    redact,
    remember,
)
from zenml_core.metadata_stores.mysql import MySQLMetadataStoreConfig

PLANTED = "planted-S3cret-7f1c9e"
SECRET_USER = "zenml_secret"

PIPELINE = """
    import os

    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step


    @step
    def numbers() -> list[int]:
        return [1, 2, 3]


    @step
    def leaky(values: list[int]) -> int:
        raise RuntimeError("could not log in with " + os.environ["LEAKED"])


    @pipeline
    def fine():
        numbers()


    @pipeline
    def failing():
        leaky(numbers())
"""


def zenml(project: Path, *args: str, expect: int = 0, env: dict[str, str] | None = None) -> str:
    result = run_zenml(*args, cwd=project, env=env)
    assert result.returncode == expect, f"zenml {' '.join(args)}: {result.stderr}"
    return result.stdout + result.stderr


@pytest.fixture
def planted(git_repo: Path) -> Path:
    """A repository whose active stack logs into MariaDB with the planted password."""
    reset_mysql()
    (git_repo / "pipelines.py").write_text(textwrap.dedent(PIPELINE))
    zenml(git_repo, "init")
    zenml(
        git_repo,
        *("metadata-store", "register", "team", "--flavor", "mysql"),
        f"--host={MYSQL['host']}",
        f"--port={MYSQL['port']}",
        f"--database={MYSQL['database']}",
        f"--user={SECRET_USER}",
        f"--password={PLANTED}",
    )
    zenml(git_repo, "stack", "register", "team", "-a", "default", "-m", "team", "-o", "default")
    zenml(git_repo, "stack", "set", "team")
    return git_repo


def test_a_planted_password_appears_in_no_output_record_or_file(planted: Path) -> None:
    outputs = [zenml(planted, "pipeline", "run", "pipelines.py:fine")]
    outputs.append(
        zenml(planted, "pipeline", "run", "pipelines.py:failing", expect=1, env={"LEAKED": PLANTED})
    )
    runs = json.loads(zenml(planted, "runs", "list", "--output", "json"))
    assert {run["status"] for run in runs} == {"completed", "failed"}
    artifact_ids = []
    for run in runs:
        shown = json.loads(zenml(planted, "runs", "show", run["name"], "--output", "json"))
        artifact_ids += [i for s in shown["steps"] for i in s.get("outputs", {}).values()]
    assert artifact_ids
    for output in ("table", "json"):
        for command in (
            ("metadata-store", "list"),
            ("metadata-store", "describe", "team"),
            ("stack", "list"),
            ("stack", "describe"),
            ("stack", "describe", "team"),
            ("status",),
            ("runs", "list"),
            ("pipeline", "list"),
            *(("runs", "show", run["name"]) for run in runs),
            *(("artifacts", "show", str(i)) for i in artifact_ids),
            *(("artifacts", "show", str(i), "--value") for i in artifact_ids),
        ):
            outputs.append(zenml(planted, *command, "--output", output))
    # the same store configured through the environment instead of the file
    outputs.append(
        zenml(
            planted,
            *("stack", "describe", "--output", "json"),
            env={"ZENML_METADATA_STORE__PASSWORD": PLANTED},
        )
    )
    for text in outputs:
        assert PLANTED not in text
    assert MASK in "".join(outputs)  # the masked field is shown as masked, not dropped

    # records: every text column of every table of the run record
    import pymysql

    login = {**MYSQL, "user": SECRET_USER, "password": PLANTED}
    with pymysql.connect(**login) as connection, connection.cursor() as cursor:
        cursor.execute("SHOW TABLES")
        for (table,) in cursor.fetchall():
            cursor.execute(f"SELECT * FROM `{table}`")
            assert PLANTED not in repr(cursor.fetchall()), table
    assert "could not log in with" in repr(runs) + "".join(outputs)
    # files: manifests and everything else zenml wrote, except the config the user wrote it in
    for path in (planted / ".zen").rglob("*"):
        if path.is_file() and path.name != "config.yaml":
            assert PLANTED.encode() not in path.read_bytes(), path


def test_settings_that_were_never_validated_are_masked_by_field_or_by_name() -> None:
    raw = {"password": "hunter22", "password_env": "DB_PASSWORD", "host": "db"}
    assert public_raw_settings(raw, MySQLMetadataStoreConfig) == {
        "password": MASK,
        "password_env": "DB_PASSWORD",
        "host": "db",
    }
    unknown_flavor = {"api_token": "abc", "service_key": "k", "password_env": "X", "region": "eu"}
    assert public_raw_settings(unknown_flavor, None) == {
        "api_token": MASK,
        "service_key": MASK,
        "password_env": "X",
        "region": "eu",
    }


def test_a_validated_secret_is_scrubbed_from_free_text() -> None:
    value = "another-" + os.urandom(4).hex()
    assert redact(f"connect failed for {value}") == f"connect failed for {value}"
    remember(MySQLMetadataStoreConfig(database="d", password=value))
    assert redact(f"connect failed for {value}!") == f"connect failed for {MASK}!"
    remember(MySQLMetadataStoreConfig(database="d", password="short"))  # too short to scrub
    assert redact("a short word") == "a short word"


def test_a_config_file_holding_a_secret_is_private_and_zenml_says_so(git_repo: Path) -> None:
    zenml(git_repo, "init")
    assert (git_repo / ".zen" / "config.yaml").stat().st_mode & 0o777 == 0o644
    # what zenml keeps of runs is the owner's alone
    assert (git_repo / ".zen" / "metadata.db").stat().st_mode & 0o777 == 0o600
    assert (git_repo / ".zen" / "artifacts").stat().st_mode & 0o777 == 0o700
    result = run_zenml(
        *("metadata-store", "register", "team", "--flavor", "mysql"),
        *("--database=d", "--password", PLANTED),
        cwd=git_repo,
    )
    assert result.returncode == 0, result.stderr
    warning = result.stderr.strip()
    assert warning.startswith("Warning: ") and "\n" not in warning
    assert "--password" in warning and "--password-env=VARIABLE" in warning
    assert PLANTED not in warning
    config = git_repo / ".zen" / "config.yaml"
    assert config.stat().st_mode & 0o777 == 0o600
    zenml(git_repo, "stack", "register", "team", "-a", "default", "-m", "team", "-o", "default")
    assert config.stat().st_mode & 0o777 == 0o600  # later writes keep it private
    result = run_zenml("metadata-store", "register", "x", "--flavor", "sqlite", cwd=git_repo)
    assert result.returncode == 0 and result.stderr == ""  # no secret, no warning
