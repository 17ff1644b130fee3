"""``step.map`` at run time: the lists a mapped step's split step run reads (see
``step_runner.split_items``), and the items' outputs a step reading a mapped step gets.

The items themselves are ordinary step runs (``name[0]``, ``name[1]``, ...: see
:func:`zenml_core.pipelines.spec.item_spec`), started by the orchestrator once the split is
recorded, or inside the mapped step's task where tasks cannot be added at run time.
"""

from __future__ import annotations

from typing import Any

from zenml_core.artifacts import load_artifact
from zenml_core.errors import StepExecutionError
from zenml_core.execution.context import RunContext
from zenml_core.metadata_stores.records import ArtifactRecord
from zenml_core.pipelines.spec import StepSpec, item_count
from zenml_core.steps.signature import fan_in_input


def item_outputs(
    context: RunContext, mapped: str, output: str, split: dict[str, ArtifactRecord]
) -> list[ArtifactRecord] | None:
    """Output ``output`` of every item of mapped step ``mapped``, in order (``split``: the
    outputs of the step run that split its lists); None if an item has none."""
    found = []
    for index in range(item_count(context.spec.step(mapped), split)):
        artifact = context.outputs_of(f"{mapped}[{index}]").get(output)
        if artifact is None:
            return None
        found.append(artifact)
    return found


def is_mapped_input(spec: StepSpec, input_name: str) -> bool:
    item = fan_in_input(input_name)
    return (item[0] if item else input_name) in spec.mapped


def mapped_artifacts(
    inputs: dict[str, ArtifactRecord], name: str
) -> tuple[list[ArtifactRecord], bool]:
    """The artifacts a mapped input reads, and whether they are one list (not the outputs of
    a mapped upstream's items)."""
    if name in inputs:
        return [inputs[name]], True
    items: list[ArtifactRecord] = []
    while f"{name}[{len(items)}]" in inputs:
        items.append(inputs[f"{name}[{len(items)}]"])
    return items, False


def mapped_values(store: Any, name: str, artifacts: list[ArtifactRecord], whole: bool) -> list[Any]:
    if not whole:
        return [load_artifact(store, artifact) for artifact in artifacts]
    value = load_artifact(store, artifacts[0])
    if isinstance(value, list | tuple):
        return list(value)
    from zenml_core.dataset import Dataset

    if isinstance(value, Dataset):
        return list(value.shards_as_pandas())  # one item per shard
    raise StepExecutionError(
        f"mapped input {name!r} must be a list or a Dataset to map over, got {type(value).__name__}"
    )
