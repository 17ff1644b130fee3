"""One test per hook of the plugin specification, each through what a plugin author sees: a
plugin implementing only that hook, and its effect on a real run, registry or CLI. A new hook
without its ``test_hook_<name>`` fails ``test_every_hook_has_its_own_test``."""

from __future__ import annotations

import io
import sys
from typing import Any

import click
import pytest
import sample_steps
from click.testing import CliRunner
from sample_steps import arithmetic, half_broken

from zenml_core import hookimpl
from zenml_core.errors import PipelineRunFailedError
from zenml_core.orchestrators.reporting import Reporter
from zenml_core.plugin import ComponentRegistrar, MaterializerRegistrar, StepClassRegistrar, spec
from zenml_core.plugin.manager import PluginManager
from zenml_core.repository import Repository
from zenml_core.stack.component import ComponentKind


def run(pipeline: Any, plugins: PluginManager) -> Any:
    sample_steps.CALLS.clear()
    return pipeline.run(plugins=plugins, reporter=Reporter(io.StringIO()))


def test_every_hook_has_its_own_test() -> None:
    tests = {name for name in dir(sys.modules[__name__]) if name.startswith("test_hook_")}
    assert {f"test_hook_{hook}" for hook in spec.__all__} - tests == set()


def registers(kind: ComponentKind, plugins: PluginManager) -> None:
    class Flavors:
        @hookimpl
        def zenml_register_artifact_stores(self, registry: ComponentRegistrar) -> None:
            self.add(registry)

        @hookimpl
        def zenml_register_metadata_stores(self, registry: ComponentRegistrar) -> None:
            self.add(registry)

        @hookimpl
        def zenml_register_orchestrators(self, registry: ComponentRegistrar) -> None:
            self.add(registry)

        @hookimpl
        def zenml_register_processing_backends(self, registry: ComponentRegistrar) -> None:
            self.add(registry)

        @hookimpl
        def zenml_register_training_backends(self, registry: ComponentRegistrar) -> None:
            self.add(registry)

        def add(self, registry: ComponentRegistrar) -> None:
            if registry.kind is kind:  # only the hook under test registers anything
                registry.add("mine", implementation="mine:Impl", config="mine:Config",
                             extras=("fast",))  # fmt: skip

    plugins.register(Flavors(), name="flavors", distribution="zenml-mine")
    flavor = plugins.registry.flavor(kind, "mine")
    assert (flavor.distribution, flavor.requirement) == ("zenml-mine", "zenml-mine[fast]")
    others = [k for k in ComponentKind if k is not kind]
    assert all("mine" not in {f.name for f in plugins.registry.flavors(k)} for k in others)


def test_hook_zenml_register_artifact_stores(plugins: PluginManager) -> None:
    registers(ComponentKind.ARTIFACT_STORE, plugins)


def test_hook_zenml_register_metadata_stores(plugins: PluginManager) -> None:
    registers(ComponentKind.METADATA_STORE, plugins)


def test_hook_zenml_register_orchestrators(plugins: PluginManager) -> None:
    registers(ComponentKind.ORCHESTRATOR, plugins)


def test_hook_zenml_register_processing_backends(plugins: PluginManager) -> None:
    registers(ComponentKind.PROCESSING_BACKEND, plugins)


def test_hook_zenml_register_training_backends(plugins: PluginManager) -> None:
    registers(ComponentKind.TRAINING_BACKEND, plugins)


def test_hook_zenml_register_materializers(plugins: PluginManager) -> None:
    from collections import OrderedDict

    from zenml_core.materializers.registry import MaterializerRegistry

    class Materializers:
        @hookimpl
        def zenml_register_materializers(self, registry: MaterializerRegistrar) -> None:
            registry.add("collections:OrderedDict", materializer="mine:OrderedMaterializer")

    plugins.register(Materializers(), name="materializers", distribution="zenml-mine")
    entry = next(e for e in plugins.registry.materializers if e.type == "collections:OrderedDict")
    assert (entry.materializer, entry.distribution) == ("mine:OrderedMaterializer", "zenml-mine")
    chosen = MaterializerRegistry(plugins.registry.materializers).for_value(OrderedDict(), None)
    assert chosen == "mine:OrderedMaterializer"


def test_hook_zenml_register_step_classes(plugins: PluginManager) -> None:
    class StepClasses:
        @hookimpl
        def zenml_register_step_classes(self, registry: StepClassRegistrar) -> None:
            registry.add("MyTrainer", implementation="mine:MyTrainer", description="Mine.")

    plugins.register(StepClasses(), name="steps", distribution="zenml-mine")
    (mine,) = [e for e in plugins.registry.step_classes if e.name == "MyTrainer"]
    assert (mine.implementation, mine.distribution) == ("mine:MyTrainer", "zenml-mine")


def test_hook_zenml_add_cli_commands(plugins: PluginManager) -> None:
    from zenml_core.cli.main import build_cli
    from zenml_core.plugin import CLIContext

    class Commands:
        @hookimpl
        def zenml_add_cli_commands(self, cli: click.Group) -> None:
            @cli.command("hello")
            @click.pass_obj
            def hello(context: CLIContext) -> None:
                click.echo(f"hello from {len(context.plugins.plugins)} plugins")

    plugins.register(Commands(), name="commands")
    result = CliRunner().invoke(build_cli(plugins), ["hello"], obj=CLIContext(plugins))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("hello from ")


def test_hook_zenml_before_pipeline_run(repo: Repository, plugins: PluginManager) -> None:
    class Refuse:
        @hookimpl
        def zenml_before_pipeline_run(self, pipeline_name: str) -> None:
            raise PermissionError(f"{pipeline_name} may not run today")

    plugins.register(Refuse(), name="refuse")
    with pytest.raises(PermissionError, match="arithmetic may not run today"):
        run(arithmetic, plugins)
    assert sample_steps.CALLS == []  # no step started
    from zenml_core.client import Client

    (recorded,) = Client(repo, plugins=plugins).runs()
    assert recorded.status == "failed" and "may not run today" in (recorded.record.error or "")


def test_hook_zenml_after_pipeline_run(repo: Repository, plugins: PluginManager) -> None:
    ended: list[str] = []

    class Ended:
        @hookimpl
        def zenml_after_pipeline_run(self, status: str) -> None:
            ended.append(status)

    plugins.register(Ended(), name="ended")
    run(arithmetic, plugins)
    with pytest.raises(PipelineRunFailedError):
        run(half_broken, plugins)
    assert ended == ["completed", "failed"]


def test_hook_zenml_on_pipeline_error(repo: Repository, plugins: PluginManager) -> None:
    errors: list[BaseException] = []

    class Errors:
        @hookimpl
        def zenml_on_pipeline_error(self, run_id: str, error: BaseException) -> None:
            errors.append(error)

    plugins.register(Errors(), name="errors")
    run(arithmetic, plugins)
    assert errors == []
    with pytest.raises(PipelineRunFailedError):
        run(half_broken, plugins)
    (error,) = errors
    assert "step 'explode' failed" in str(error)


def test_hook_zenml_before_step_run(repo: Repository, plugins: PluginManager) -> None:
    seen: list[tuple[str, list[str]]] = []

    class Before:
        @hookimpl
        def zenml_before_step_run(self, step_name: str) -> None:
            seen.append((step_name, list(sample_steps.CALLS)))

    plugins.register(Before(), name="before")
    run(arithmetic, plugins)
    numbers = next(calls for name, calls in seen if name == "numbers")
    assert "numbers" not in numbers  # before the step's own code
    assert {name for name, _ in seen} == {"numbers", "halves", "total", "Doubler", "total_2"}
    seen.clear()
    run(arithmetic, plugins)  # all cached: no step's code runs, so no before-hook either
    assert seen == []


def test_hook_zenml_after_step_run(repo: Repository, plugins: PluginManager) -> None:
    after: list[tuple[str, str]] = []

    class After:
        @hookimpl
        def zenml_after_step_run(self, step_name: str, status: str) -> None:
            after.append((step_name, status))

    plugins.register(After(), name="after")
    run(arithmetic, plugins)
    run(arithmetic, plugins)
    statuses = [status for _, status in after]
    assert statuses == ["completed"] * 5 + ["cached"] * 5


def test_hook_zenml_on_step_error(repo: Repository, plugins: PluginManager) -> None:
    errors: list[tuple[str, BaseException]] = []

    class Errors:
        @hookimpl
        def zenml_on_step_error(self, step_name: str, error: BaseException) -> None:
            errors.append((step_name, error))

    plugins.register(Errors(), name="errors")
    with pytest.raises(PipelineRunFailedError):
        run(half_broken, plugins)
    ((step, error),) = errors
    assert step == "explode" and isinstance(error, ValueError)
