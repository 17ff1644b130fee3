"""``zenml runs report``: one self-contained HTML page per run, checked in a real headless
Chromium (the DOM it built, and a screenshot kept as a test artifact)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from browser import Element, load, screenshot
from conftest import run_zenml

STEPS_FILE = Path(__file__).with_name("report_steps.py")


def zenml(project: Path, *args: str, expect: int = 0) -> str:
    result = run_zenml(*args, cwd=project)
    assert result.returncode == expect, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def reported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Element, str]:
    """A run that passed, then one with other parameters whose step 'explode' fails, and the
    second's report against the first."""
    from conftest import git

    project = tmp_path_factory.mktemp("report") / "project"
    project.mkdir()
    git("init", "-q", cwd=project)
    shutil.copy(STEPS_FILE, project / "report_steps.py")
    (project / "fail.yaml").write_text("parameters: {epochs: 8, fail: true}\n")
    zenml(project, "init")
    zenml(project, "pipeline", "run", "report_steps.py:report_flow")
    zenml(project, "pipeline", "run", "report_steps.py:report_flow", "--config", "fail.yaml",
          expect=1)  # fmt: skip
    report = project / "report.html"
    written = zenml(
        project, "runs", "report", "latest", "--baseline", "latest~1", "-o", str(report)
    )
    assert written.startswith(f"Wrote {report}")
    screenshot(report.as_uri(), "run-report")
    return project, load(report.as_uri()), report.read_text()


def test_the_dag_has_a_node_per_step_with_its_status(reported: tuple[Path, Element, str]) -> None:
    _, page, _ = reported
    nodes = page.find("svg", css="dag").find_all("g", css="node")
    assert {node.attrs["data-step"]: node.attrs["data-status"] for node in nodes} == {
        "load": "cached", "features": "cached", "train": "completed", "plot": "completed",
        "opaque": "completed", "explode": "failed", "publish": "skipped",
    }  # fmt: skip
    edges = {(e.attrs["data-from"], e.attrs["data-to"]) for e in page.find_all("path", css="edge")}
    assert ("train", "explode") in edges and ("explode", "publish") in edges and len(edges) == 6
    assert page.find("h1", id="run").attrs["data-status"] == "failed"


def test_a_metric_series_is_a_chart_with_a_point_per_epoch(
    reported: tuple[Path, Element, str],
) -> None:
    _, page, _ = reported
    chart = page.find("section", data_step="train").find("svg", css="chart", data_series="loss")
    assert chart.attrs["data-points"] == "8"
    assert len(chart.find_all("circle", css="point")) == 8


def test_a_dataframe_preview_shows_its_rows_and_schema(reported: tuple[Path, Element, str]) -> None:
    _, page, _ = reported
    output = page.find("section", data_step="load").find("div", data_artifact="output")
    table = output.find("table", css="preview-frame")
    rows = table.find_all("tr", css="row")
    assert len(rows) == 10  # the head
    assert [cell.text for cell in rows[3].find_all("td")] == ["3", "b"]
    assert "12 rows \u00d7 2 columns" in output.text and "x: int64" in output.text


def test_arrays_json_and_images_are_previewed(reported: tuple[Path, Element, str]) -> None:
    _, page, _ = reported
    array = page.find("section", data_step="features").find("div", data_artifact="output")
    assert "array 12 float64; min 0, max 22, mean 11" in array.text
    model = page.find("section", data_step="train").find("div", data_artifact="output")
    assert '"epochs": 8' in model.find("pre", css="preview-json").text
    image = page.find("section", data_step="plot").find("img", css="preview")
    assert image.attrs["src"].startswith("data:image/png;base64,iVBORw0KGgo")


def test_pickled_artifacts_are_described_never_unpickled(
    reported: tuple[Path, Element, str],
) -> None:
    project, page, _ = reported
    opaque = page.find("section", data_step="opaque").find("div", data_artifact="output")
    assert "no preview: PickleMaterializer may run code when loading" in opaque.text
    assert "report_steps:Opaque" in opaque.text and "hash " in opaque.text
    assert not (project / "UNPICKLED").exists()


def test_a_failed_step_shows_the_error_and_the_user_s_traceback(
    reported: tuple[Path, Element, str],
) -> None:
    _, page, _ = reported
    explode = page.find("section", data_step="explode")
    assert "ValueError: the model is not good enough" in explode.find("p", css="error").text
    traceback = explode.find("pre", css="traceback").text
    assert "report_steps.py" in traceback and "zenml_core" not in traceback
    publish = page.find("section", data_step="publish")
    assert publish.find("p", css="reason").text == "upstream step 'explode' failed"


def test_the_reasons_and_the_diff_against_the_baseline_are_shown(
    reported: tuple[Path, Element, str],
) -> None:
    _, page, _ = reported
    train = page.find("section", data_step="train")
    assert train.find("p", css="reason").text.startswith("parameter 'epochs' changed 5 -> 8")
    run_rows = page.find("table", css="diff-run").find_all("tr", css="row")
    assert [[cell.text for cell in row.find_all("td")] for row in run_rows] == [
        ["epochs", "5", "8", "+3"], ["fail", "false", "true", ""],
    ]  # fmt: skip
    metadata = page.find("table", css="diff-metadata").text
    assert "train.loss" in metadata and "-0.075" in metadata and "metric_series" not in metadata


def test_the_page_needs_no_network(reported: tuple[Path, Element, str]) -> None:
    _, _, html = reported
    assert "<script" not in html and "<link" not in html
    for reference in ('src="http', "src='http", 'href="http', "url(http", "@import"):
        assert reference not in html
