"""Running pipelines on the default local stack: outputs, lineage, caching, failures, hooks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import sample_steps
from attrs import evolve
from sample_steps import arithmetic, half_broken, light_and_heavy, side_by_side

from zenml_core import hookimpl
from zenml_core.client import Client
from zenml_core.errors import PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository


@pytest.fixture
def output() -> io.StringIO:
    return io.StringIO()


def run(pipeline: Any, plugins: PluginManager, output: io.StringIO, **kwargs: Any) -> Any:
    sample_steps.CALLS.clear()
    return pipeline.run(plugins=plugins, reporter=Reporter(output), **kwargs)


def test_a_run_records_outputs_lineage_and_manifests(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    finished = run(arithmetic, plugins, output, offset=1)
    assert finished.status == "completed"
    steps = finished.steps
    assert set(steps) == {"numbers", "halves", "total", "Doubler", "total_2"}
    assert steps["total"].output.load() == (0 + 2) * 10 + 1
    assert steps["total_2"].output.load() == (1 * 2 + 3 * 2) * 10 + 1
    assert steps["halves"].outputs["odd"].load() == [1, 3]
    # lineage: an input artifact leads back to the step run that produced it
    odd = steps["Doubler"].inputs["values"]
    assert odd.producer.name == "halves" and odd.record.output_name == "odd"

    record = finished.record
    assert record.parameters == {"offset": 1}
    assert record.stack_name == "default" and record.host and record.pid > 0
    assert record.spec["steps"][0]["name"] == "numbers"
    manifest = plugins_store(repo, plugins).read_manifest(
        f"{repo.root}/.zen/artifacts/arithmetic/{finished.id}/halves"
    )
    assert manifest["status"] == "completed"
    assert set(manifest["outputs"]) == {"even", "odd"}
    assert manifest["inputs"]["values"]["content_hash"].startswith("xxh3_128:")
    lines = output.getvalue().splitlines()
    assert "[numbers] started" in lines
    assert any(line.startswith("[numbers] finished in ") for line in lines)
    assert lines[-1].startswith(f"Run {finished.name} completed in ")


def plugins_store(repo: Repository, plugins: PluginManager) -> Any:
    return Client(repo, plugins=plugins).stack.artifact_store


def test_a_second_run_is_fully_cached(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    first = run(arithmetic, plugins, output)
    second = run(arithmetic, plugins, output)
    assert sample_steps.CALLS == []  # no step code ran
    statuses = {name: s.status for name, s in second.steps.items()}
    assert set(statuses.values()) == {"cached"}
    assert second.steps["total"].output.id == first.steps["total"].output.id
    assert "[total] cached" in output.getvalue()
    # The run manifest records cached step runs, which have no step manifest of their own.
    store = plugins_store(repo, plugins)
    manifest = store.read_manifest(store.uri("arithmetic", second.id))
    assert manifest["status"] == "completed" and manifest["name"] == second.name
    assert {s["step"]: s["status"] for s in manifest["steps"]} == {
        name: "cached" for name in second.steps
    }
    cached_total = next(s for s in manifest["steps"] if s["step"] == "total")
    assert cached_total["outputs"]["output"]["uri"] == first.steps["total"].output.uri
    assert not (Path(store.uri("arithmetic", second.id)) / "total").exists()


def test_changing_a_parameter_reruns_only_what_depends_on_it(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    run(arithmetic, plugins, output)
    changed = run(arithmetic, plugins, output, offset=7)
    statuses = {name: s.status for name, s in changed.steps.items()}
    assert statuses == {
        "numbers": "cached",
        "halves": "cached",
        "total": "completed",
        "Doubler": "cached",
        "total_2": "completed",
    }


def test_missing_cached_artifacts_make_the_step_run_again(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    import shutil

    first = run(arithmetic, plugins, output)
    shutil.rmtree(first.steps["numbers"].output.uri)
    second = run(arithmetic, plugins, output)
    assert second.steps["numbers"].status == "completed"
    assert sample_steps.CALLS[0] == "numbers"


def test_caching_can_be_turned_off(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    from zenml_core.pipelines import Pipeline

    run(arithmetic, plugins, output)
    uncached = Pipeline(arithmetic.function, enable_cache=False)
    again = run(uncached, plugins, output)
    assert {s.status for s in again.steps.values()} == {"completed"}
    # the key is still recorded (resuming compares it), only the lookup is off
    first_keys = {
        s.name: s.record.cache_key for s in Client(repo, plugins=plugins).runs()[1].steps.values()
    }
    assert {s.name: s.record.cache_key for s in again.steps.values()} == first_keys


def test_a_failed_step_skips_its_dependants_and_fails_the_run(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    with pytest.raises(PipelineRunFailedError) as caught:
        run(half_broken, plugins, output)
    message = str(caught.value)
    assert "step 'explode' failed: ValueError: no odd numbers allowed" in message
    failed = caught.value.run
    assert failed.status == "failed"
    statuses = {name: s.status for name, s in failed.steps.items()}
    assert statuses == {
        "numbers": "completed",
        "halves": "completed",
        "explode": "failed",
        "describe": "skipped",
        "total": "completed",  # an independent branch still finishes
    }
    assert "Traceback" in failed.steps["explode"].record.error
    assert "[describe] skipped (upstream step 'explode' failed)" in output.getvalue()
    assert Client(repo, plugins=plugins).runs(status="running") == []


def test_a_run_is_never_left_running(
    repo: Repository, plugins: PluginManager, output: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenml_core.orchestrators.local import LocalOrchestrator

    def interrupted(self: Any, context: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(LocalOrchestrator, "run", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run(arithmetic, plugins, output)
    (last,) = Client(repo, plugins=plugins).runs()
    assert last.status == "failed" and last.record.error == "KeyboardInterrupt: "
    steps = len(arithmetic.compile(plugins=plugins).steps)
    assert (
        "failed in" in output.getvalue()
        and f": {steps} steps (0 ran, 0 cached, 0 failed, 0 skipped, {steps} not started), "
        "interrupted (Ctrl-C). Details:"
        in output.getvalue()
    )


def test_the_summary_counts_what_happened_when_the_orchestrator_stops(
    repo: Repository, plugins: PluginManager, output: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zenml_core.execution.step_runner import run_step
    from zenml_core.orchestrators.local import LocalOrchestrator

    def stops_after_one_step(self: Any, context: Any) -> Any:
        run_step(context, context.spec.steps[0].name)
        raise RuntimeError("building the step image failed: no space left on device\nmore")

    monkeypatch.setattr(LocalOrchestrator, "run", stops_after_one_step)
    with pytest.raises(RuntimeError):
        run(arithmetic, plugins, output)
    steps = len(arithmetic.compile(plugins=plugins).steps)
    assert (
        f": {steps} steps (1 ran, 0 cached, 0 failed, 0 skipped, {steps - 1} not started), "
        "stopped by RuntimeError: building the step image failed: no space left on device. "
        in output.getvalue()
    )


@pytest.mark.filterwarnings("ignore:step 'wait_for_partner")  # the barrier is shared on purpose
def test_independent_steps_run_at_the_same_time(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    # Each step waits on a barrier for the other: this only completes if both run at once.
    sample_steps.BARRIER.reset()
    finished = run(side_by_side, plugins, output)
    assert {s.output.load() for s in finished.steps.values()} == {"left", "right"}


@pytest.mark.filterwarnings("ignore:step 'wait_for_seven_others")
@pytest.mark.filterwarnings("ignore:step 'crunch")
def test_steps_that_wait_do_not_queue_behind_the_cores_and_heavy_ones_are_limited(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    """By default eight waiting steps run at once whatever the number of cores; steps marked
    cpu-heavy (and steps with arrays or tables) run at most heavy_workers at a time."""
    from zenml_core.orchestrators.local import LocalOrchestrator, LocalOrchestratorConfig
    from zenml_core.stack.builder import load_stack

    sample_steps.WIDE.reset()
    sample_steps.HEAVY.update(now=0, most=0)
    stack = load_stack(repo, plugins=plugins)
    stack = evolve(stack, orchestrator=LocalOrchestrator(
        name="local", config=LocalOrchestratorConfig(heavy_workers=1), flavor="local"
    ))  # fmt: skip
    finished = light_and_heavy.run(stack=stack, plugins=plugins, reporter=Reporter(output))
    assert finished.status == "completed"
    assert sample_steps.HEAVY["most"] == 1
    spec = light_and_heavy.compile(plugins=plugins)
    resources = {step.name: step.settings.resources for step in spec.steps}
    assert (resources["crunch"], resources["wait_for_seven_others"]) == ("cpu", "light")


def test_lifecycle_hooks_see_the_run(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    events: list[tuple[str, ...]] = []

    class Recorder:
        @hookimpl
        def zenml_before_pipeline_run(self, pipeline_name: str) -> None:
            events.append(("before_pipeline", pipeline_name))

        @hookimpl
        def zenml_before_step_run(self, step_name: str) -> None:
            events.append(("before_step", step_name))

        @hookimpl
        def zenml_on_step_error(self, step_name: str, error: BaseException) -> None:
            events.append(("step_error", step_name, type(error).__name__))

        @hookimpl
        def zenml_after_step_run(self, step_name: str, status: str) -> None:
            events.append(("after_step", step_name, status))

        @hookimpl
        def zenml_on_pipeline_error(self, error: BaseException) -> None:
            events.append(("pipeline_error",))

        @hookimpl
        def zenml_after_pipeline_run(self, status: str) -> None:
            events.append(("after_pipeline", status))

    plugins.register(Recorder(), name="recorder")
    with pytest.raises(PipelineRunFailedError):
        run(half_broken, plugins, output)
    assert events[0] == ("before_pipeline", "half_broken")
    assert ("step_error", "explode", "ValueError") in events
    assert ("after_step", "explode", "failed") in events
    assert events[-2:] == [("pipeline_error",), ("after_pipeline", "failed")]


def test_a_returned_value_of_the_wrong_type_fails_the_step(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    from zenml_core.pipelines import pipeline
    from zenml_core.steps import step

    @step
    def liar() -> int:
        return "not an int"  # type: ignore[return-value]

    with pytest.raises(
        PipelineRunFailedError, match="output 'output' is declared int but the step returned str"
    ):
        run(pipeline(name="liar")(lambda: liar()), plugins, output)


def test_a_raising_after_step_hook_leaves_the_record_and_fails_the_run_naming_it(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    import json

    class Auditor:
        @hookimpl
        def zenml_after_step_run(self, step_name: str, status: str) -> None:
            if step_name == "total":
                raise RuntimeError("audit service down")

    plugins.register(Auditor(), name="auditor")
    with pytest.raises(PipelineRunFailedError) as failed:
        run(arithmetic, plugins, output, offset=1)
    finished = failed.value.run
    assert finished.status == "failed"
    assert finished.record.error == (
        "step 'total': plugin 'auditor' (<ad-hoc>) raised in zenml_after_step_run: "
        "RuntimeError: audit service down"
    )
    statuses = {name: step.status for name, step in finished.steps.items()}
    assert statuses["total"] == "completed"  # what the step did stands
    assert set(statuses.values()) == {"completed"}
    manifest = Path(finished.steps["total"].output.uri).parent / "manifest.json"
    assert json.loads(manifest.read_text())["status"] == "completed"
    assert "[total] error: plugin 'auditor'" in output.getvalue()


def test_a_raising_before_step_hook_fails_that_step_naming_the_plugin(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    class Gate:
        @hookimpl
        def zenml_before_step_run(self, step_name: str) -> None:
            if step_name == "halves":
                raise PermissionError("not today")

    plugins.register(Gate(), name="gate")
    with pytest.raises(PipelineRunFailedError) as failed:
        run(arithmetic, plugins, output, offset=1)
    halves = failed.value.run.steps["halves"]
    assert halves.status == "failed"
    assert "plugin 'gate' (<ad-hoc>) raised in zenml_before_step_run" in (halves.record.error or "")
    assert sample_steps.CALLS.count("halves") == 0  # the step's code never ran


# The step closes over the test's fixtures, which have no stable content to hash.
@pytest.mark.filterwarnings("ignore:step 'reaped'")
def test_a_step_of_a_run_that_was_reaped_stops_and_records_nothing_more(
    repo: Repository, plugins: PluginManager, output: io.StringIO
) -> None:
    from zenml_core.pipelines import pipeline
    from zenml_core.stack.builder import load_stack
    from zenml_core.steps import step, step_context

    @step(enable_cache=False)
    def reaped() -> int:
        # Played by hand: the run is reaped as orphaned while this step works.
        stack = load_stack(repo, plugins=plugins, environ={})
        run_id = step_context().run_id
        stack.metadata_store.finish_run(run_id, "failed", "orphaned: no heartbeat for 61 s")
        return 1

    @step
    def later(value: int) -> int:
        return value

    with pytest.raises(PipelineRunFailedError) as failed:
        run(pipeline(name="reaped")(lambda: later(reaped())), plugins, output)
    finished = failed.value.run
    assert (finished.status, finished.record.error) == ("failed", "orphaned: no heartbeat for 61 s")
    assert {n: s.status for n, s in finished.steps.items()} == {"reaped": "failed"}
    assert "[reaped] stopped: run " in output.getvalue()
    assert "already ended failed (orphaned: no heartbeat for 61 s)" in output.getvalue()
