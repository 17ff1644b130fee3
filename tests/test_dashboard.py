"""``zenml dashboard``: the read-only web UI, served by the real command and looked at in a
real headless Chromium (the DOM, screenshots kept as test artifacts, and a run page that
follows a running run until it ends)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import load, screenshot, webdriver
from conftest import git, run_zenml

STEPS_FILE = Path(__file__).with_name("report_steps.py")

WAITING = """
    import time
    from pathlib import Path

    from zenml_core import pipeline, step


    @step(enable_cache=False)
    def wait_for_go() -> int:
        while not Path("GO").exists():
            time.sleep(0.1)
        return 1


    @step(enable_cache=False)
    def after(value: int) -> int:
        return value + 1


    @pipeline
    def waiting():
        after(wait_for_go())
"""


def zenml(project: Path, *args: str, expect: int = 0) -> str:
    result = run_zenml(*args, cwd=project)
    assert result.returncode == expect, result.stderr
    return result.stdout


def start_dashboard(project: Path) -> tuple[subprocess.Popen[str], str]:
    script = Path(sys.executable).with_name("zenml")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZENML_")}
    process = subprocess.Popen(
        [str(script), "dashboard", "--port", "0"], cwd=project, env=environment,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.startswith("Dashboard at http://127.0.0.1:"), line + process.stderr.read()
    return process, line.split()[2]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    project = tmp_path_factory.mktemp("dashboard") / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    shutil.copy(STEPS_FILE, project / "report_steps.py")
    (project / "waiting.py").write_text(textwrap.dedent(WAITING))
    (project / "fail.yaml").write_text("parameters: {epochs: 8, fail: true}\n")
    zenml(project, "init")
    zenml(project, "pipeline", "run", "report_steps.py:report_flow")
    zenml(project, "pipeline", "run", "report_steps.py:report_flow", "--config", "fail.yaml",
          expect=1)  # fmt: skip
    process, url = start_dashboard(project)
    try:
        yield project, url
    finally:
        process.terminate()
        process.wait(timeout=10)


def runs_of(project: Path) -> list[dict[str, str]]:
    listed: list[dict[str, str]] = json.loads(zenml(project, "runs", "list", "--output", "json"))
    return listed


def test_the_index_lists_pipelines_and_runs_and_filters_them(served: tuple[Path, str]) -> None:
    project, url = served
    page = load(url)
    screenshot(url, "dashboard-index", size="1280,900")
    assert [
        row.find("a").text for row in page.find("table", css="pipelines").find_all("tr", css="row")
    ] == ["report_flow"]
    runs = page.find("table", css="runs").find_all("tr", css="row")
    assert [row.find_all("td")[2].text for row in runs] == ["failed", "completed"]
    failed = load(url + "?status=failed").find("table", css="runs").find_all("tr", css="row")
    assert len(failed) == 1 and failed[0].find("a").text == runs_of(project)[0]["name"]


def test_a_run_page_shows_the_report_with_links_to_artifacts(served: tuple[Path, str]) -> None:
    project, url = served
    name = runs_of(project)[0]["name"]
    page = load(f"{url}runs/{name}")
    screenshot(f"{url}runs/{name}", "dashboard-run")
    nodes = {n.attrs["data-step"]: n.attrs["data-status"] for n in page.find_all("g", css="node")}
    assert nodes["explode"] == "failed" and nodes["load"] == "cached" and len(nodes) == 7
    link = page.find("section", data_step="load").find("div", data_artifact="output").find("a")
    artifact = load(url.rstrip("/") + link.attrs["href"])
    assert (
        artifact.find("h2", id="artifact").attrs["data-artifact-id"]
        == link.attrs["href"].split("/")[-1]
    )
    assert len(artifact.find("table", css="preview-frame").find_all("tr", css="row")) == 10
    assert "written by step load of run" in artifact.text


def test_two_runs_are_compared(served: tuple[Path, str]) -> None:
    project, url = served
    newer, older = (run["name"] for run in runs_of(project)[:2])
    page = load(f"{url}compare?a={older}&b={newer}")
    rows = page.find("table", css="diff-run").find_all("tr", css="row")
    assert [row.find_all("td")[0].text for row in rows] == ["epochs", "fail"]
    assert "train.loss" in page.find("table", css="diff-metadata").text


def test_an_unknown_run_is_a_404_with_one_line(served: tuple[Path, str]) -> None:
    _, url = served
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(f"{url}runs/no-such-run", timeout=10)
    assert raised.value.code == 404
    assert "no run with id or name &#x27;no-such-run&#x27;" in raised.value.read().decode()


def test_a_run_that_looks_orphaned_is_shown_so_and_left_as_recorded(
    served: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    project, url = served
    from zenml_core.client import Client

    monkeypatch.chdir(project)
    client = Client(read_only=True)
    gone = subprocess.Popen(["true"])  # a pid that no longer runs
    gone.wait()
    client.metadata.create_run(
        run_id="orphan", name="orphaned-run", pipeline="report_flow", stack_name="default",
        stack={}, spec={}, parameters={}, git_commit=None, git_dirty=None,
        host=__import__("socket").gethostname(), pid=gone.pid,
    )  # fmt: skip
    page = load(url)
    row = next(r for r in page.find("table", css="runs").find_all("tr", css="row")
               if r.find("a").text == "orphaned-run")  # fmt: skip
    assert "running" in row.text and row.find("span", css="orphaned").text == "looks orphaned"
    run_page = load(f"{url}runs/orphaned-run")
    assert "looks orphaned: orphaned:" in run_page.find("p", css="orphaned").text
    assert client.metadata.get_run("orphaned-run").status == "running"  # nothing was written
    zenml(project, "runs", "list")  # an ordinary read reaps it
    assert Client(read_only=True).metadata.get_run("orphaned-run").status == "failed"


def test_the_page_of_a_running_run_follows_it_to_its_end(served: tuple[Path, str]) -> None:
    project, url = served
    script = Path(sys.executable).with_name("zenml")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ZENML_")}
    run = subprocess.Popen(
        [str(script), "pipeline", "run", "waiting.py:waiting"],
        cwd=project, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    driver = webdriver()
    try:
        deadline = time.monotonic() + 60
        while True:
            running = [r for r in runs_of(project) if r["pipeline"] == "waiting"]
            if running or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert running, "the waiting run never appeared"
        driver.get(f"{url}runs/{running[0]['name']}")
        heading = driver.find_element("id", "run")
        assert heading.get_attribute("data-status") == "running"
        nodes = driver.find_elements("css selector", "g.node")
        assert {n.get_attribute("data-step"): n.get_attribute("data-status") for n in nodes} == {
            "wait_for_go": "running", "after": "pending",
        }  # fmt: skip
        (project / "GO").write_text("go")
        deadline = time.monotonic() + 60
        status = "running"
        while time.monotonic() < deadline:
            try:
                status = driver.find_element("id", "run").get_attribute("data-status")
            except Exception:  # the page is reloading right now
                status = "reloading"
            if status == "completed":
                break
            time.sleep(0.3)
        assert status == "completed"
        nodes = driver.find_elements("css selector", "g.node")
        assert {n.get_attribute("data-status") for n in nodes} == {"completed"}
        from browser import ARTIFACTS

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "dashboard-live-run-ended.png"))
    finally:
        driver.quit()
        run.wait(timeout=60)
    assert run.returncode == 0
