"""Each step's printed and logged output is kept in the artifact store: shown by ``zenml runs
logs``, ``runs show --logs``, the run report; never lost when the step fails, redacted, one
log per step even when steps run side by side."""

from __future__ import annotations

import io
import logging
import shutil

import log_steps
import pytest
from conftest import run_zenml

from zenml_core.client import Client
from zenml_core.errors import PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository

pytestmark = pytest.mark.filterwarnings("ignore:a Python warning:UserWarning")


def run(pipeline, plugins: PluginManager, **parameters):  # type: ignore[no-untyped-def]
    return pipeline.run(plugins=plugins, reporter=Reporter(io.StringIO()), **parameters)


def test_prints_stderr_logging_and_warnings_land_in_the_step_log(
    repo: Repository, plugins: PluginManager, capsys: pytest.CaptureFixture[str]
) -> None:
    finished = run(log_steps.chatter, plugins)
    text = finished.steps["chatty"].logs
    assert text is not None
    lines = text.splitlines()
    assert lines[0] == "hello from chatty"
    assert "to stderr" in lines
    assert any(line.endswith("WARNING log_steps: a warning record") for line in lines)
    assert lines[-1] == "no newline at the end"  # the last partial line is kept too
    assert finished.steps["quiet"].logs is None  # printed nothing: no file
    shown = capsys.readouterr()
    assert "hello from chatty" in shown.out  # still shown where it always was
    assert "to stderr" in shown.err


def test_the_log_of_a_failed_step_is_kept(repo: Repository, plugins: PluginManager) -> None:
    with pytest.raises(PipelineRunFailedError) as failed:
        run(log_steps.crashing, plugins)
    assert failed.value.run.steps["crash"].logs == "about to fail\n"


def test_retries_append_to_one_log_with_the_attempt_number(
    repo: Repository, plugins: PluginManager
) -> None:
    log_steps.ATTEMPTS.clear()
    finished = run(log_steps.retried, plugins)
    assert finished.steps["flaky"].logs == "attempt 1\n--- attempt 2 of 2 ---\nattempt 2\n"


def test_a_step_stopped_by_its_timeout_keeps_what_it_printed(
    repo: Repository, plugins: PluginManager
) -> None:
    with pytest.raises(PipelineRunFailedError) as failed:
        run(log_steps.timed_out, plugins)
    assert failed.value.run.steps["sleepy"].logs == "going to sleep\n"


def test_steps_running_side_by_side_each_keep_their_own_lines(
    repo: Repository, plugins: PluginManager
) -> None:
    finished = run(log_steps.side_by_side, plugins)
    assert finished.steps["side"].logs == "left line 0\nleft line 1\nleft line 2\n"
    assert finished.steps["side_2"].logs == "right line 0\nright line 1\nright line 2\n"


def test_secrets_are_redacted_in_logs(repo: Repository, plugins: PluginManager) -> None:
    from zenml_core.config.secrets import remember
    from zenml_core.metadata_stores.mysql import MySQLMetadataStoreConfig

    remember(MySQLMetadataStoreConfig(database="d", password="log-S3cret-value-91"))
    finished = run(log_steps.chatter, plugins, secret="log-S3cret-value-91")
    text = finished.steps["chatty"].logs or ""
    assert "the secret is ********" in text and "log-S3cret-value-91" not in text


def test_a_cached_step_shows_its_source_s_log(repo: Repository, plugins: PluginManager) -> None:
    first = run(log_steps.chatter, plugins)
    again = run(log_steps.chatter, plugins)
    assert again.steps["chatty"].status == "cached"
    assert again.steps["chatty"].logs == first.steps["chatty"].logs


def test_the_commands_print_the_log(repo: Repository, plugins: PluginManager) -> None:
    shutil.copy(log_steps.__file__, repo.root / "log_steps.py")
    ran = run_zenml("pipeline", "run", "log_steps.py:chatter", cwd=repo.root)
    assert ran.returncode == 0, ran.stderr
    # still shown where it always was; logging's own last resort still prints the warning
    assert "hello from chatty" in ran.stdout and "a warning record" in ran.stderr
    shown = run_zenml("runs", "logs", "latest", "chatty", cwd=repo.root)
    assert shown.returncode == 0 and shown.stdout.startswith("hello from chatty\n")
    assert "UserWarning: a Python warning" in shown.stdout  # not caught by pytest out there
    nothing = run_zenml("runs", "logs", "latest", "quiet", cwd=repo.root)
    assert nothing.returncode == 0 and "printed and logged nothing" in nothing.stderr
    unknown = run_zenml("runs", "logs", "latest", "nope", cwd=repo.root)
    assert unknown.returncode == 1 and "has no step 'nope' (steps: chatty, quiet)" in unknown.stderr
    show = run_zenml("runs", "show", "latest", "--logs", cwd=repo.root)
    assert "Step 'chatty' printed:\nhello from chatty" in show.stdout


def test_capturing_leaves_logging_as_it_was_outside_steps(
    repo: Repository, plugins: PluginManager, caplog: pytest.LogCaptureFixture
) -> None:
    run(log_steps.chatter, plugins)
    with caplog.at_level(logging.WARNING):
        logging.getLogger("outside").warning("not in any step")
    assert "not in any step" in caplog.text
    assert Client(repo, plugins=plugins).run("latest").steps["chatty"].logs is not None
