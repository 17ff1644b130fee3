"""Handing steps to the stack's training backend: which steps go, and what never does."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from ml_steps import LogisticTrainer, breast_cancer
from sample_steps import numbers

from zenml_core.backends.base import BaseTrainingBackend
from zenml_core.errors import ZenMLError
from zenml_core.execution.step_runner import run_step
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines import pipeline
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack
from zenml_core.steps import step
from zenml_core.steps.ml.importers import PackageDatasetImporter
from zenml_core.steps.ml.split import SplitStep

# The sklearn models these tests train are pickled on purpose (no sklearn materializer here).
pytestmark = pytest.mark.filterwarnings("ignore:storing sklearn.linear_model")


class RecordingBackend(BaseTrainingBackend[dict]):
    """Runs what it is handed in this process, remembering which steps those were."""

    def __init__(self) -> None:
        super().__init__(name="gpus", config={}, flavor="recording")
        self.handed: list[str] = []

    def run_step(self, context: Any, step_name: str) -> Any:
        self.handed.append(step_name)
        return run_step(context, step_name, on_backend=True)


@step(settings={"training_backend": True})
def heavy(values: list[int]) -> int:
    return sum(values)


@step
def light(values: list[int]) -> int:
    return len(values)


@pipeline
def flagged() -> None:
    values = numbers()
    heavy(values)
    light(values)


@pytest.fixture
def backend_stack(repo: Repository, plugins: PluginManager) -> Any:
    stack = load_stack(repo, plugins=plugins, environ={})
    return attrs.evolve(stack, training_backend=RecordingBackend())


def run(pipeline_object: Any, stack: Any, plugins: PluginManager) -> Any:
    return pipeline_object.run(stack=stack, plugins=plugins, reporter=Reporter(quiet=True))


def test_trainer_steps_and_flagged_steps_go_to_the_backend(
    backend_stack: Any, plugins: PluginManager
) -> None:
    first = run(breast_cancer(), backend_stack, plugins)
    assert backend_stack.training_backend.handed == ["train"]
    assert first.steps["train"].status == "completed"
    run(flagged, backend_stack, plugins)
    assert backend_stack.training_backend.handed == ["train", "heavy"]


def test_a_cached_step_is_not_handed_over(backend_stack: Any, plugins: PluginManager) -> None:
    run(flagged, backend_stack, plugins)
    second = run(flagged, backend_stack, plugins)
    assert second.steps["heavy"].status == "cached"
    assert backend_stack.training_backend.handed == ["heavy"]


def test_settings_can_keep_a_trainer_step_here(backend_stack: Any, plugins: PluginManager) -> None:
    @pipeline
    def local_training() -> None:
        data = PackageDatasetImporter({"loader": "sklearn.datasets:load_breast_cancer"})()
        parts = SplitStep({"stratify": "target"})(data)
        LogisticTrainer(settings={"training_backend": False})(parts.train, parts.eval)

    spec = local_training.compile(plugins=plugins)
    assert spec.step("LogisticTrainer").settings.training_backend is False
    run(local_training, backend_stack, plugins)
    assert backend_stack.training_backend.handed == []


def test_without_a_backend_flagged_steps_run_here(repo: Repository, plugins: PluginManager) -> None:
    finished = run(flagged, load_stack(repo, plugins=plugins, environ={}), plugins)
    assert finished.steps["heavy"].output.load() == 6  # 0 + 1 + 2 + 3


def test_a_setting_that_is_not_a_bool_is_refused(plugins: PluginManager) -> None:
    @step(settings={"training_backend": "yes"})
    def undecided(values: list[int]) -> int:
        return 0

    @pipeline
    def odd() -> None:
        undecided(numbers())

    with pytest.raises(ZenMLError, match=r"settings\['training_backend'\] must be true or false"):
        odd.compile(plugins=plugins)


def test_compute_only_runs_the_code_and_records_nothing(
    repo: Repository, plugins: PluginManager
) -> None:
    from zenml_core.execution.context import RunContext
    from zenml_core.execution.step_runner import compute_only
    from zenml_core.testing.pipelines import training

    stack = load_stack(repo, plugins=plugins, environ={})
    finished = run(training, stack, plugins)
    before = (len(finished.steps), stack.artifact_store.manifest_folders())
    context = RunContext.for_record(finished.record, stack, plugins)
    compute_only(context, "fit")  # what an extra replica of a distributed job does
    after = stack.metadata_store.list_step_runs(finished.id)
    assert (len(after), stack.artifact_store.manifest_folders()) == before
    broken = attrs.evolve(context.spec.step("fit"), parameters={"fail": True})
    steps = [broken if s.name == "fit" else s for s in context.spec.steps]
    with pytest.raises(ValueError, match="training failed on purpose"):
        compute_only(attrs.evolve(context, spec=attrs.evolve(context.spec, steps=steps)), "fit")
