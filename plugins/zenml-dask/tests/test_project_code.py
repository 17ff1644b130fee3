"""Shard functions from the user's project reach workers that do not have the project: the
module (or package) is shipped with the first task; without shipping they fail, naming it."""

from __future__ import annotations

import io
import sys
import textwrap
from typing import Any

import pytest
from conftest import dask_stack
from zenml_dask.backend import DaskProcessingBackendConfig

from zenml_core.errors import PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.repository import Repository

PIPELINE = """
    from features.ops import tag_rows
    from zenml_core.dataset import Dataset
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step
    from zenml_core.steps.context import step_context
    from zenml_core.testing.processing import table

    import helpers


    @step
    def source() -> Dataset:
        return Dataset.from_pandas(table(400), rows_per_shard=100)


    @step(settings={"processing_backend": True})
    def tag(data: Dataset) -> Dataset:
        return step_context().processing.transform_shards(tag_rows, data)


    @step(settings={"processing_backend": True})
    def where(data: Dataset) -> list[str]:
        return sorted(set(step_context().processing.map_shards(helpers.host_of, data)))


    @pipeline
    def project_code():
        tagged = tag(source())
        where(tagged)
"""


@pytest.fixture
def project_modules(zenml_project: Repository, monkeypatch: pytest.MonkeyPatch) -> Any:
    root = zenml_project.root
    (root / "features").mkdir()
    (root / "features" / "__init__.py").write_text("")
    (root / "features" / "ops.py").write_text(
        "def tag_rows(frame):\n    return frame.assign(tag=frame['group'] + '!')\n"
    )
    (root / "helpers.py").write_text(
        "import os\n\ndef host_of(frame):\n    return f'worker-{os.getpid()}'\n"
    )
    (root / "project_pipeline.py").write_text(textwrap.dedent(PIPELINE))
    monkeypatch.syspath_prepend(str(root))
    for name in ("features", "features.ops", "helpers", "project_pipeline"):
        sys.modules.pop(name, None)
    import project_pipeline

    yield project_pipeline
    for name in ("features", "features.ops", "helpers", "project_pipeline"):
        sys.modules.pop(name, None)


def test_project_modules_and_packages_are_shipped_to_the_workers(
    zenml_project: Repository, zenml_plugins: Any, dask_scheduler: str, project_modules: Any
) -> None:
    stack = dask_stack(
        zenml_project, zenml_plugins, DaskProcessingBackendConfig(address=dask_scheduler)
    )
    run = project_modules.project_code.run(
        stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO())
    )
    tagged = run.steps["tag"].output.load().to_pandas()
    assert list(tagged["tag"]) == [g + "!" for g in tagged["group"]]
    hosts = run.steps["where"].output.load()
    assert hosts and all(h.startswith("worker-") for h in hosts)


def test_without_shipping_the_workers_cannot_import_the_project(
    zenml_project: Repository, zenml_plugins: Any, fresh_dask_scheduler: str, project_modules: Any
) -> None:
    stack = dask_stack(
        zenml_project,
        zenml_plugins,
        DaskProcessingBackendConfig(address=fresh_dask_scheduler, ship_project_code=False),
    )
    with pytest.raises(PipelineRunFailedError, match="No module named 'features'"):
        project_modules.project_code.run(
            stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO())
        )
