"""A step builds its own Beam pipeline over a Dataset with ReadDataset."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import beam_stack

from zenml_core.dataset import Dataset
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import pipeline
from zenml_core.repository import Repository
from zenml_core.steps import step
from zenml_core.steps.context import step_context
from zenml_core.testing.processing import source, table


@step(settings={"processing_backend": True})
def group_sums(data: Dataset) -> dict[str, float]:
    import apache_beam as beam
    from zenml_beam.io import ReadDataset

    folder = step_context().processing.scratch_folder()
    with beam.Pipeline(options=step_context().processing.engine) as p:
        _ = (
            p
            | ReadDataset(data)
            | beam.Map(lambda row: (row["group"], row["value"]))
            | beam.CombinePerKey(sum)
            | beam.Map(lambda pair: json.dumps(list(pair)))
            | beam.io.WriteToText(str(folder / "sums"))
        )
    pairs = [
        json.loads(line)
        for path in sorted(Path(folder).glob("sums*"))
        for line in path.read_text().splitlines()
    ]
    return dict(sorted(pairs))


@pipeline
def beam_sums() -> None:
    group_sums(source())


def test_a_step_reads_a_dataset_in_its_own_beam_pipeline(
    zenml_project: Repository, zenml_plugins: Any
) -> None:
    stack = beam_stack(zenml_project, zenml_plugins, workers=2)
    run = beam_sums.run(stack=stack, plugins=zenml_plugins, reporter=Reporter(io.StringIO()))
    expected = table(1000).groupby("group")["value"].sum()
    assert run.steps["group_sums"].output.load() == pytest.approx(
        {group: float(total) for group, total in expected.items()}
    )
