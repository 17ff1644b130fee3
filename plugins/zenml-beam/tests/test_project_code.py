"""Shard functions from the user's project run on Beam's worker processes, which do not have
the project on their path: the project's modules travel by value with the tasks."""

from __future__ import annotations

import io
import os
import sys
import textwrap
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import beam_stack

from zenml_core.orchestrators.reporting import Reporter
from zenml_core.repository import Repository

PIPELINE = """
    from shardwork.ops import tag_rows, where_am_i
    from zenml_core.dataset import Dataset
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step
    from zenml_core.steps.context import step_context
    from zenml_core.testing.processing import table


    @step
    def source() -> Dataset:
        return Dataset.from_pandas(table(400), rows_per_shard=100)


    @step(settings={"processing_backend": True})
    def tag(data: Dataset) -> Dataset:
        return step_context().processing.transform_shards(tag_rows, data)


    @step(settings={"processing_backend": True})
    def where(data: Dataset) -> list[int]:
        return sorted(set(step_context().processing.map_shards(where_am_i, data)))


    @pipeline
    def project_code():
        where(tag(source()))
"""


@pytest.fixture
def project(zenml_project: Repository, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    root = zenml_project.root / "src"  # a src layout: not the folder the workers start in
    (root / "shardwork").mkdir(parents=True)
    (root / "shardwork" / "__init__.py").write_text("SUFFIX = '!'\n")
    (root / "shardwork" / "ops.py").write_text(
        textwrap.dedent(
            """
            import os

            import shardwork


            def tag_rows(frame):
                return frame.assign(tag=frame["group"] + shardwork.SUFFIX)


            def where_am_i(frame):
                return os.getpid()
            """
        )
    )
    (root / "beam_pipeline.py").write_text(textwrap.dedent(PIPELINE))
    monkeypatch.syspath_prepend(str(root))
    names = ("shardwork", "shardwork.ops", "beam_pipeline")
    for name in names:
        sys.modules.pop(name, None)
    import beam_pipeline

    yield beam_pipeline
    for name in names:
        sys.modules.pop(name, None)


def test_project_modules_travel_by_value_to_the_workers(
    zenml_project: Repository, zenml_plugins: Any, project: Any
) -> None:
    stack = beam_stack(zenml_project, zenml_plugins, workers=2)
    run = project.project_code.run(
        stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO())
    )
    tagged = run.steps["tag"].output.load().to_pandas()
    assert list(tagged["tag"]) == [g + "!" for g in tagged["group"]]
    assert os.getpid() not in run.steps["where"].output.load()  # Beam's own worker processes
