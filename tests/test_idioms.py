"""ZenML's everyday idioms, spelled as ZenML users write them: output names, tuples,
top-level imports, log_metadata(metadata=...), parameter types, ordering and ids."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import idiom_steps
import pytest
from attrs import evolve

from zenml_core import Client, pipeline
from zenml_core.errors import (
    PipelineDefinitionError,
    PipelineRunFailedError,
    StepDefinitionError,
    StepExecutionError,
)
from zenml_core.orchestrators.local import LocalOrchestrator, LocalOrchestratorConfig
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.pipelines.config import RunConfig, StepRunConfig
from zenml_core.pipelines.spec import ConditionSpec, PipelineSpec
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.builder import load_stack


def quiet() -> Reporter:
    return Reporter(io.StringIO())


def test_annotated_names_and_tuples_give_named_outputs_that_unpack(
    repo: Repository, plugins: PluginManager
) -> None:
    spec = idiom_steps.idioms.compile(plugins=plugins)
    assert list(spec.step("divide").outputs) == ["quotient", "rest"]
    assert list(spec.step("answer").outputs) == ["answer"]
    assert list(spec.step("pair").outputs) == ["output_0", "output_1"]
    assert list(spec.step("many").outputs) == ["output"]  # tuple[int, ...]: one output
    assert list(spec.step("tally").outputs) == ["count", "index"]
    assert {k: (w.step, w.output) for k, w in spec.step("add_2").inputs.items()} == {
        "x": ("tally", "count"), "y": ("tally", "index"),
    }  # fmt: skip
    run = idiom_steps.idioms.run(plugins=plugins, reporter=quiet())
    assert run.steps["divide"].outputs["quotient"].load() == 3
    assert run.steps["divide"].outputs["rest"].load() == 1
    assert run.steps["add"].output.load() == 4
    assert run.steps["add_2"].output.load() == 7  # Tally's count and index fields
    assert run.steps["add_3"].output.load() == 11
    assert run.steps["add_4"].output.load() == 43
    assert run.steps["many"].output.load() == (1, 2, 3)


def test_a_step_returning_the_wrong_number_of_values_names_them(
    repo: Repository, plugins: PluginManager
) -> None:
    from zenml_core import pipeline, step

    @step
    def short() -> tuple[Annotated[int, "a"], Annotated[int, "b"]]:
        return (1,)  # type: ignore[return-value]

    @pipeline
    def broken() -> None:
        short()

    with pytest.raises(Exception, match=r"must return tuple of 2 values \(a, b\), got 1 values"):
        broken.run(plugins=plugins, reporter=quiet())
    assert issubclass(StepExecutionError, Exception)


def test_two_outputs_with_one_name_are_refused(plugins: PluginManager) -> None:
    from zenml_core import pipeline, step

    @step
    def twice() -> tuple[Annotated[int, "q"], Annotated[int, "q"]]:
        return 1, 2

    @pipeline
    def twin() -> None:
        twice()

    with pytest.raises(StepDefinitionError, match="step 'twice': two outputs are named 'q'"):
        twin.compile(plugins=plugins)


def test_log_metadata_takes_zenml_s_metadata_keyword(
    repo: Repository, plugins: PluginManager
) -> None:
    run = idiom_steps.idioms.run(plugins=plugins, reporter=quiet())
    assert run.steps["add"].metadata == {"x": 3, "y": 1}


def test_the_names_a_pipeline_author_needs_import_from_the_package_lazily() -> None:
    code = (
        "import sys, zenml_core\n"
        "heavy = [m for m in ('zenml_core.pipelines', 'zenml_core.client') if m in sys.modules]\n"
        "assert heavy == [], heavy\n"
        "from zenml_core import step, pipeline, Client, log_metadata, step_context, Dataset\n"
        "from zenml_core import BaseStep, SimplePipeline\n"
        "from zenml_core.steps.ml import SplitStep, StandardScalerStep, CSVDatasetImporter\n"
        "print(step.__module__, pipeline.__module__, Client.__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    import zenml_core

    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        zenml_core.nope  # noqa: B018


def test_after_orders_steps_without_data_on_the_local_orchestrator(
    repo: Repository, plugins: PluginManager, tmp_path: Path
) -> None:
    from zenml_core.pipelines.graph import to_mermaid

    marker = tmp_path / "marker.txt"
    spec = idiom_steps.ordered.compile(plugins=plugins, path=str(marker))
    assert [s.name for s in spec.steps] == ["slow_writer", "fast_writer", "reader"]
    assert spec.step("reader").after == ("slow_writer", "fast_writer")
    assert spec.step("reader").upstream == ["fast_writer", "slow_writer"]
    assert "slow_writer -.->|after| reader" in to_mermaid(spec)
    assert PipelineSpec.from_json(spec.to_json()) == spec
    stack = evolve(
        load_stack(repo, plugins=plugins, environ={}),
        orchestrator=LocalOrchestrator(
            name="parallel", config=LocalOrchestratorConfig(workers=3), flavor="local"
        ),
    )
    run = idiom_steps.ordered.run(stack=stack, plugins=plugins, reporter=quiet(), path=str(marker))
    assert run.status == "completed"
    assert marker.read_text().splitlines()[-1] == "last"  # the slow writer ran in parallel first


def test_a_step_after_a_failed_step_is_skipped_with_the_reason(
    repo: Repository, plugins: PluginManager, tmp_path: Path
) -> None:
    from zenml_core import pipeline, step

    @step
    def boom() -> None:
        raise ValueError("boom")

    @pipeline
    def chain() -> None:
        first = boom()
        idiom_steps.write_marker(str(tmp_path / "m"), "x", after=first)

    with pytest.raises(PipelineRunFailedError) as failed:
        chain.run(plugins=plugins, reporter=quiet())
    assert failed.value.run.steps["write_marker"].status == "skipped"
    assert not (tmp_path / "m").exists()


def test_ids_name_calls_and_duplicates_and_reserved_names_are_refused(
    plugins: PluginManager,
) -> None:
    from zenml_core import pipeline, step

    @pipeline
    def twice() -> None:
        idiom_steps.answer(id="first")
        idiom_steps.answer(id="first")

    with pytest.raises(PipelineDefinitionError, match="step id 'first' is used twice"):
        twice.compile(plugins=plugins)

    @pipeline
    def unknown() -> None:
        idiom_steps.answer(after="nowhere")

    with pytest.raises(PipelineDefinitionError, match="after= names 'nowhere', which is not"):
        unknown.compile(plugins=plugins)
    with pytest.raises(StepDefinitionError, match="an input cannot be named 'after'"):

        @step
        def clash(after: int) -> int:
            return after


def test_step_parameters_of_the_wrong_type_are_refused_before_anything_runs(
    plugins: PluginManager,
) -> None:
    @pipeline
    def wrong() -> None:
        idiom_steps.divide(a="7")

    with pytest.raises(
        PipelineDefinitionError,
        match=r"step 'divide': parameter 'a' is declared int, but the call gives '7' \(str\)",
    ):
        wrong.compile(plugins=plugins)

    @pipeline
    def configured() -> None:
        idiom_steps.divide()

    config = RunConfig(steps={"divide": StepRunConfig(parameters={"b": [2]})})
    with pytest.raises(PipelineDefinitionError, match="but the configuration gives"):
        configured.compile(plugins=plugins, config=config)


def _stacks_named(repo: Repository, *names: str) -> None:
    """Stacks ``names``, each the default stack with an orchestrator of that name."""
    from zenml_core.config.models import ComponentConfig, StackConfig
    from zenml_core.stack.component import ComponentKind

    config = repo.load_config()
    for name in names:
        config = config.with_component(
            ComponentKind.ORCHESTRATOR, name, ComponentConfig("local", {"workers": 1})
        ).with_stack(name, StackConfig("default", "default", name))
    repo.save_config(config)


def test_a_stack_per_pipeline_and_its_precedence(
    repo: Repository, plugins: PluginManager, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    _stacks_named(repo, "decorated", "environment", "configured", "called")
    on_own = pipeline(stack="decorated")(idiom_steps.idioms.function)
    runs = idiom_steps.idioms  # the same steps; each run says which stack it was on

    def stack_of(run: Any) -> str:
        return str(run.record.stack_name)

    assert on_own.stack_name(None, None) == "decorated"
    monkeypatch.setenv("ZENML_STACK", "environment")
    assert on_own.stack_name(None, None) == "environment"
    config = RunConfig(stack="configured")
    assert on_own.stack_name(None, config) == "configured"
    assert on_own.stack_name("called", config) == "called"
    monkeypatch.delenv("ZENML_STACK")
    assert stack_of(on_own.run(plugins=plugins, reporter=quiet())) == "decorated"
    assert stack_of(runs.run(plugins=plugins, reporter=quiet(), stack="called")) == "called"
    assert runs.stack_name(None, None) is None  # no choice: the active stack
    (repo.root / "flow.py").write_text("from idiom_steps import idioms\n", encoding="utf-8")
    (repo.root / "run.yaml").write_text("stack: configured\n", encoding="utf-8")
    monkeypatch.chdir(repo.root)
    cli("pipeline", "run", "flow.py:idioms", "--config", "run.yaml")
    cli("pipeline", "run", "flow.py:idioms", "--config", "run.yaml", "--stack", "called")
    latest = sorted(Client(plugins=plugins).runs(), key=lambda r: r.record.started_at)[-2:]
    assert [stack_of(r) for r in latest] == ["configured", "called"]


def test_a_pipeline_called_inside_another_adds_its_steps_with_prefixed_names(
    repo: Repository, plugins: PluginManager
) -> None:
    spec = idiom_steps.composed.compile(plugins=plugins)
    assert [s.name for s in spec.steps] == [
        "halving-divide", "halving-add", "halving-divide_2", "halving-add_2", "total",
    ]  # fmt: skip
    assert spec.step("total").inputs["y"].step == "halving-add_2"
    run = idiom_steps.composed.run(plugins=plugins, reporter=quiet())
    assert run.steps["total"].output.load() == 10 + 20


def test_a_list_input_collects_the_outputs_of_several_steps(
    repo: Repository, plugins: PluginManager
) -> None:
    spec = idiom_steps.fan_in.compile(plugins=plugins)
    assert {k: w.step for k, w in spec.step("best").inputs.items()} == {
        "scores[0]": "score", "scores[1]": "score_2", "scores[2]": "score_3",
    }  # fmt: skip
    run = idiom_steps.fan_in.run(plugins=plugins, reporter=quiet())
    assert run.steps["best"].output.load() == 0.9
    again = idiom_steps.fan_in.run(plugins=plugins, reporter=quiet())
    assert again.steps["best"].status == "cached"

    @pipeline
    def not_a_list() -> None:
        idiom_steps.add([idiom_steps.answer()], 1)

    with pytest.raises(PipelineDefinitionError, match="declare it list"):
        not_a_list.compile(plugins=plugins)


def test_hooks_on_outcomes_are_called_and_a_failing_hook_changes_nothing(
    repo: Repository, plugins: PluginManager
) -> None:
    idiom_steps.HEARD.clear()
    output = io.StringIO()
    with pytest.warns(UserWarning, match="on_success hook 'broken_hook' failed"):
        run = idiom_steps.watching.run(plugins=plugins, reporter=Reporter(output))
    assert run.status == "completed"
    assert run.steps["badly_watched"].status == "completed"  # its hook broke, it did not
    assert "on_success hook 'broken_hook' failed: RuntimeError" in output.getvalue()
    assert idiom_steps.HEARD == ["watched succeeded", "run completed"]
    idiom_steps.HEARD.clear()
    with pytest.raises(PipelineRunFailedError), pytest.warns(UserWarning):
        idiom_steps.watching.run(plugins=plugins, reporter=quiet(), fail=True)
    assert idiom_steps.HEARD == [
        "watched failed: bad input", "run failed: PipelineRunFailedError",
    ]  # fmt: skip


def test_a_hook_taking_unknown_arguments_is_refused_when_the_step_is_defined() -> None:
    from zenml_core import step

    def odd(step_name: str) -> None: ...

    with pytest.raises(StepDefinitionError, match="step 'guarded': on_failure hook 'odd' takes"):

        @step(on_failure=odd)
        def guarded() -> None: ...


def test_hooks_on_a_step_class_instance_are_refused_with_the_fix() -> None:
    from zenml_core.steps.ml import SplitStep

    with pytest.raises(StepDefinitionError, match="use a @step function for hooks"):
        SplitStep(on_failure=idiom_steps.heard_failure)


def test_when_runs_a_step_only_if_an_upstream_output_says_so(
    repo: Repository, plugins: PluginManager, cli: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = idiom_steps.gated.compile(plugins=plugins)
    assert spec.step("release").when == ConditionSpec("good_enough", "output")
    assert spec.step("canary").when == ConditionSpec("accuracy", "output", "idiom_steps:above_half")
    assert PipelineSpec.from_json(spec.to_json()) == spec
    passed = idiom_steps.gated.run(plugins=plugins, reporter=quiet(), value=0.9)
    assert {n: s.status for n, s in passed.steps.items() if n != "good_enough"} == {
        "accuracy": "completed", "release": "completed", "announce": "completed",
        "canary": "completed",
    }  # fmt: skip
    low = idiom_steps.gated.run(plugins=plugins, reporter=quiet(), value=0.6)
    assert low.status == "completed"
    release = low.steps["release"]
    assert release.status == "skipped"
    assert (
        release.record.error == "condition not met: output 'output' of step 'good_enough' is False"
    )
    assert low.steps["announce"].status == "skipped"  # its dependant
    assert low.steps["canary"].status == "completed"  # 0.6 > 0.5
    lowest = idiom_steps.gated.run(plugins=plugins, reporter=quiet(), value=0.3)
    assert lowest.steps["canary"].record.error == (
        "condition not met: above_half(output 'output' of step 'accuracy') is False"
    )
    monkeypatch.chdir(repo.root)
    shown = cli("runs", "show", lowest.name).stdout
    assert "condition not met: above_half" in shown


def test_a_condition_must_be_an_output_or_a_module_level_predicate(
    plugins: PluginManager,
) -> None:
    @pipeline
    def flagged() -> None:
        idiom_steps.deploy(idiom_steps.accuracy(), when=True)

    with pytest.raises(PipelineDefinitionError, match="when= takes an output of an earlier step"):
        flagged.compile(plugins=plugins)

    @pipeline
    def lambda_gate() -> None:
        score = idiom_steps.accuracy()
        idiom_steps.deploy(score, when=(score, lambda s: s > 1))

    with pytest.raises(PipelineDefinitionError, match="must be a module-level function"):
        lambda_gate.compile(plugins=plugins)


def test_run_names_fixed_or_templated_and_refused_when_taken(
    repo: Repository, plugins: PluginManager, tmp_path: Path
) -> None:
    run = idiom_steps.idioms.run(plugins=plugins, reporter=quiet(), run_name="first-try")
    assert run.name == "first-try"
    with pytest.raises(PipelineDefinitionError, match="a run named 'first-try' exists"):
        idiom_steps.idioms.run(plugins=plugins, reporter=quiet(), run_name="first-try")
    templated = idiom_steps.idioms.with_options(run_name="nightly-{date}-{time}")
    name = templated.run(plugins=plugins, reporter=quiet()).name
    assert re.fullmatch(r"nightly-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d_\d{6}", name), name
    config = tmp_path / "run.yaml"
    config.write_text("run_name: from-config-{run_id}\n", encoding="utf-8")
    from_file = idiom_steps.idioms.with_options(config_path=config)
    assert from_file.run(plugins=plugins, reporter=quiet()).name.startswith("from-config-")
    with pytest.raises(PipelineDefinitionError, match="'when' is not a placeholder"):
        idiom_steps.idioms.run(plugins=plugins, reporter=quiet(), run_name="x-{when}")
    with pytest.raises(PipelineDefinitionError, match="run name 'a/b' is not allowed"):
        idiom_steps.idioms.run(plugins=plugins, reporter=quiet(), run_name="a/b")


def test_settings_layer_from_pipeline_step_and_config_and_with_options_copies(
    plugins: PluginManager,
) -> None:
    from zenml_core import step

    @step(settings={"docker": {"memory": "2g", "gpus": 0}})
    def fit(rows: int = 1) -> int:
        return rows

    @pipeline(settings={"docker": {"memory": "1g", "network": "none"}, "other": {"x": 1}})
    def layered() -> None:
        fit()
        fit.with_options(parameters={"rows": 5}, settings={"docker": {"gpus": 1}})(id="big")

    config = RunConfig(
        settings={"other": {"x": 2}},
        steps={"fit": StepRunConfig(settings={"docker": {"memory": "8g"}})},
    )
    spec = layered.compile(plugins=plugins, config=config)
    assert spec.step("fit").settings.extra == {
        "docker": {"memory": "8g", "gpus": 0, "network": "none"}, "other": {"x": 2},
    }  # fmt: skip
    big = spec.step("big")
    assert big.parameters == {"rows": 5}
    assert big.settings.extra["docker"] == {"memory": "2g", "gpus": 1, "network": "none"}
    uncached = layered.with_options(enable_cache=False)
    assert uncached.compile(plugins=plugins).enable_cache is False
    assert layered.compile(plugins=plugins).enable_cache is True  # the original is unchanged
    assert fit.call_defaults == {}
    with pytest.raises(PipelineDefinitionError, match="with_options takes"):
        layered.with_options(cache=False)


def test_settings_per_step_are_read_from_the_yaml_config(tmp_path: Path) -> None:
    path = tmp_path / "run.yaml"
    path.write_text(
        "stack: gpu\nrun_name: r-{date}\nsettings: {docker: {memory: 4g}}\n"
        "steps:\n  train:\n    settings: {docker: {memory: 16g}}\n",
        encoding="utf-8",
    )
    config = RunConfig.load(path)
    assert config.stack == "gpu" and config.run_name == "r-{date}"
    assert config.step_overrides()["train"]["settings"] == {"docker": {"memory": "16g"}}


def test_retries_run_a_failed_step_again_and_record_every_failed_attempt(
    repo: Repository, plugins: PluginManager
) -> None:
    idiom_steps.FLAKY["calls"] = 0
    output = io.StringIO()
    run = idiom_steps.retrying.run(plugins=plugins, reporter=Reporter(output), failures=2)
    step = run.steps["flaky"]
    assert step.status == "completed" and step.output.load() == 3
    assert [a["attempt"] for a in step.record.attempts] == [1, 2]
    assert step.record.attempts[1]["error"] == "ConnectionError: attempt 2 lost the connection"
    assert "attempt 1 of 3 failed: ConnectionError" in output.getvalue()
    spec = idiom_steps.retrying.compile(plugins=plugins)
    assert (spec.step("flaky").settings.retries, spec.step("flaky").settings.retry_backoff) == (
        2,
        2.0,
    )
    idiom_steps.FLAKY["calls"] = 0
    with pytest.raises(PipelineRunFailedError, match="attempt 3 lost the connection"):
        idiom_steps.retrying.run(plugins=plugins, reporter=quiet(), failures=5)


def test_an_orchestrator_retrying_a_failed_step_reuses_its_row_and_keeps_the_attempt(
    repo: Repository, plugins: PluginManager
) -> None:
    """Kubeflow's retry policy starts the step's task again in the same run."""
    from zenml_core.execution.lifecycle import open_run

    stack = load_stack(repo, plugins=plugins, environ={})
    store = stack.metadata_store
    opened = open_run(idiom_steps.idioms.compile(plugins=plugins), stack, repo)
    first = store.start_step(opened.id, "answer", {}, None)
    store.fail_step(first, "OOMKilled")
    again = store.start_step(opened.id, "answer", {}, None)
    assert again == first
    retried = store.get_step_run(again)
    assert retried.status == "running" and retried.error is None
    assert [(a["attempt"], a["error"]) for a in retried.attempts] == [(1, "OOMKilled")]
    store.finish_run(opened.id, "failed", "test over")


def test_log_metadata_attaches_to_an_output_artifact(
    repo: Repository, plugins: PluginManager
) -> None:
    @pipeline
    def training() -> None:
        idiom_steps.trained(rows=4)

    run = training.run(plugins=plugins, reporter=quiet())
    step = run.steps["trained"]
    assert step.outputs["model"].metadata == {"rows": 4}
    assert step.metadata == {"took_s": 0.1}
    cached = training.run(plugins=plugins, reporter=quiet()).steps["trained"]
    assert cached.status == "cached" and cached.outputs["model"].metadata == {"rows": 4}

    @pipeline
    def wrong() -> None:
        idiom_steps.mislabelled()

    with pytest.raises(PipelineRunFailedError, match=r"names nope, not an output of this step"):
        wrong.run(plugins=plugins, reporter=quiet())


def test_an_existing_artifact_passes_into_a_step_by_id_or_reference(
    repo: Repository, plugins: PluginManager
) -> None:
    from zenml_core import ExternalArtifact

    first = idiom_steps.idioms.run(plugins=plugins, reporter=quiet())
    quotient = first.steps["divide"].outputs["quotient"]

    @pipeline
    def again() -> None:
        idiom_steps.add(ExternalArtifact(f"{first.name}/divide/quotient"), 10, id="by_ref")
        idiom_steps.add(ExternalArtifact(quotient.id), 20, id="by_id")

    spec = again.compile(plugins=plugins)
    assert spec.step("by_ref").inputs["x"].external == f"{first.name}/divide/quotient"
    assert spec.step("by_ref").upstream == []
    run = again.run(plugins=plugins, reporter=quiet())
    assert run.steps["by_ref"].output.load() == 13 and run.steps["by_id"].output.load() == 23
    assert run.steps["by_ref"].inputs["x"].id == quotient.id  # recorded as its input
    assert run.record.spec["steps"][0]["inputs"]["x"]["external"] == str(quotient.id)
    assert again.run(plugins=plugins, reporter=quiet()).steps["by_ref"].status == "cached"

    @pipeline
    def missing() -> None:
        idiom_steps.add(ExternalArtifact("latest/nowhere/output"), 1)

    with pytest.raises(Exception, match="has no step 'nowhere'"):
        missing.run(plugins=plugins, reporter=quiet())
    with pytest.raises(PipelineDefinitionError, match="takes one thing"):
        ExternalArtifact()


def test_a_value_passes_into_a_step_as_an_artifact_of_no_step_cached_by_its_content(
    repo: Repository, plugins: PluginManager
) -> None:
    import numpy as np

    from zenml_core import ExternalArtifact
    from zenml_core.metadata_stores.rebuild import rebuild

    weights = np.arange(6.0)

    @pipeline
    def weighed(scale: float = 1.0) -> None:
        idiom_steps.weigh(ExternalArtifact(weights * scale), factor=ExternalArtifact(value=2))

    spec = weighed.compile(plugins=plugins)
    assert spec.step("weigh").inputs["values"].external == "value:0"
    assert spec.step("weigh").settings.resources == "memory"  # an array: few at a time
    run = weighed.run(plugins=plugins, reporter=quiet())
    step = run.steps["weigh"]
    assert step.output.load() == 30.0
    passed = step.inputs["values"]
    assert passed.producer is None and passed.record.materializer.startswith(
        "zenml_core.materializers.numpy"
    )
    np.testing.assert_array_equal(passed.load(), weights)
    assert run.record.spec["steps"][0]["inputs"]["values"]["external"] == str(passed.id)
    again = weighed.run(plugins=plugins, reporter=quiet())  # the same content: cached
    assert again.steps["weigh"].status == "cached"
    assert weighed.run(plugins=plugins, reporter=quiet(), scale=2.0).steps["weigh"].status == (
        "completed"
    )
    with pytest.raises(PipelineDefinitionError, match="exists only in the Python process"):
        from zenml_core.pipelines.run import run as run_spec

        run_spec(spec, stack=load_stack(repo, plugins=plugins), plugins=plugins, reporter=quiet())
    # a metadata store rebuilt from the artifact store keeps the value, as an input of no step
    from zenml_core.metadata_stores.rebuild import trusted_materializers
    from zenml_core.metadata_stores.sqlite import SQLiteMetadataStore, SQLiteMetadataStoreConfig

    target = SQLiteMetadataStore(
        name="rebuilt", config=SQLiteMetadataStoreConfig(path="rebuilt.db"), root=repo.root
    )
    accept = trusted_materializers([m.materializer for m in plugins.registry.materializers], None)
    report = rebuild(
        load_stack(repo, plugins=plugins).artifact_store, target, accept_materializer=accept
    )
    assert report.problems == []
    rebuilt_run = next(r for r in target.list_runs() if r.id == run.id)
    (rebuilt_step,) = target.list_step_runs(rebuilt_run.id)
    kept = target.step_run_inputs(rebuilt_step.id)["values"]
    assert (kept.producer_id, kept.content_hash) == (None, passed.record.content_hash)


def test_a_pipeline_parameter_named_like_a_run_keyword_is_refused() -> None:
    with pytest.raises(PipelineDefinitionError, match="a parameter cannot be named 'stack'"):

        @pipeline
        def clash(stack: str = "x") -> None: ...


def test_map_runs_a_step_per_item_cached_by_item_and_a_list_input_collects_them(
    repo: Repository, plugins: PluginManager
) -> None:
    spec = idiom_steps.mapping.compile(plugins=plugins)
    assert spec.step("scaled").mapped == ("number",)
    assert spec.step("scaled[1]").inputs["number"].output == "number-1"  # read from the split
    assert PipelineSpec.from_json(spec.to_json()) == spec
    run = idiom_steps.mapping.run(plugins=plugins, reporter=quiet())
    assert run.steps["joined"].output.load() == "n10,n20,n30"
    assert [run.steps[f"scaled[{i}]"].output.load() for i in range(3)] == ["n10", "n20", "n30"]
    assert run.steps["scaled"].record.metadata == {"items": 3}
    # one more item: only that item runs; the others come from the cache by their content
    more = idiom_steps.mapping.run(plugins=plugins, reporter=quiet(), count=4)
    assert [more.steps[f"scaled[{i}]"].status for i in range(4)] == ["cached"] * 3 + ["completed"]
    assert more.steps["joined"].output.load() == "n10,n20,n30,n40"
    # an empty list gives no items and an empty list downstream
    assert (
        idiom_steps.mapping.run(plugins=plugins, reporter=quiet(), count=0)
        .steps["joined"]
        .output.load()
        == ""
    )


def test_maps_zip_several_lists_and_chain_over_a_map_s_outputs(
    repo: Repository, plugins: PluginManager
) -> None:
    run = idiom_steps.chained_maps.run(plugins=plugins, reporter=quiet())
    assert run.steps["joined"].output.load() == "A1,B2"
    assert run.steps["shout[1]"].output.load() == "B2"


def test_a_failing_item_fails_the_run_and_skips_what_collects_the_items(
    repo: Repository, plugins: PluginManager
) -> None:
    @pipeline(enable_cache=False)
    def negative() -> None:
        idiom_steps.joined(idiom_steps.scaled.map(idiom_steps.signed(), 2))

    with pytest.raises(PipelineRunFailedError) as failed:
        negative.run(plugins=plugins, reporter=quiet())
    steps = Client().run(failed.value.run.id).steps
    assert {name: step.status for name, step in steps.items()} == {
        "signed": "completed", "scaled": "completed", "scaled[0]": "completed",
        "scaled[1]": "failed", "scaled[2]": "completed", "joined": "skipped",
    }  # fmt: skip
    assert "cannot scale -1" in (steps["scaled[1]"].record.error or "")

    @pipeline
    def not_a_list() -> None:
        idiom_steps.scaled.map(idiom_steps.answer(), 2)

    with pytest.raises(
        PipelineDefinitionError, match="not a list or a Dataset; wrap it in unmapped"
    ):
        not_a_list.compile(plugins=plugins)

    @pipeline
    def nothing_to_map() -> None:
        idiom_steps.scaled.map(1, 2)

    with pytest.raises(PipelineDefinitionError, match="needs at least one input"):
        nothing_to_map.compile(plugins=plugins)

    @pipeline(enable_cache=False)
    def uneven() -> None:
        _, rights = idiom_steps.pairs()
        idiom_steps.glue.map(left=idiom_steps.numbers(3), right=rights)

    with pytest.raises(PipelineRunFailedError, match="'left' has 3, 'right' has 2 items"):
        uneven.run(plugins=plugins, reporter=quiet())


def test_a_timeout_runs_the_step_in_a_child_process_and_stops_it_when_it_runs_over(
    repo: Repository, plugins: PluginManager
) -> None:
    import os
    import time

    run = idiom_steps.timed.run(plugins=plugins, reporter=quiet())
    assert run.steps["slow"].output.load() == 7
    assert run.steps["slow"].metadata["pid"] != os.getpid()  # logged in the child, kept
    assert PipelineSpec.from_dict(run.record.spec).step("slow").settings.timeout == 1.0
    started = time.perf_counter()
    with pytest.raises(PipelineRunFailedError, match="longer than its timeout of 1 s"):
        idiom_steps.timed.run(plugins=plugins, reporter=quiet(), seconds=30)
    assert time.perf_counter() - started < 15  # two attempts of 1 s, not 30 s
    failed = Client().run("latest").steps["slow"]
    assert [a["attempt"] for a in failed.record.attempts] == [1]  # the first, retried
    with pytest.raises(PipelineRunFailedError, match="KeyError: 'negative'"):
        idiom_steps.timed.run(plugins=plugins, reporter=quiet(), seconds=-1)
    assert "in the step's child process" in (
        Client().run("latest").steps["slow"].record.error or ""
    )
    with pytest.raises(StepDefinitionError, match="timeout must be seconds > 0"):
        idiom_steps.step(timeout=0)(idiom_steps.add.function)


def test_a_map_over_a_dataset_runs_one_item_per_shard(
    repo: Repository, plugins: PluginManager
) -> None:
    import dataset_steps

    @pipeline
    def per_shard() -> None:
        idiom_steps.total_rows(idiom_steps.rows.map(dataset_steps.make(rows=25, rows_per_shard=10)))

    run = per_shard.run(plugins=plugins, reporter=quiet())
    assert [run.steps[f"rows[{i}]"].output.load() for i in range(3)] == [10, 10, 5]
    assert run.steps["total_rows"].output.load() == 25
