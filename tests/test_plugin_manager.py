"""The plugin manager: built-in defaults, ad-hoc plugins, entry points, clashes, failures."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import click
import pytest

from zenml_core import hookimpl
from zenml_core.errors import DuplicateRegistrationError, PluginError, UnknownFlavorError
from zenml_core.plugin.manager import (
    PluginLoadWarning,
    PluginManager,
    create_plugin_manager,
)
from zenml_core.stack.component import ComponentKind


class OrchestratorPlugin:
    def __init__(self, flavor: str = "adhoc") -> None:
        self.flavor = flavor

    @hookimpl
    def zenml_register_orchestrators(self, registry: Any) -> None:
        registry.add(
            self.flavor,
            implementation="not_installed_heavy_library.orchestrator:Orchestrator",
            config="not_installed_heavy_library.orchestrator:Config",
            description="An ad-hoc orchestrator.",
        )


def test_core_defaults_register_through_the_hooks(plugins: PluginManager) -> None:
    registry = plugins.registry
    assert [f.name for f in registry.flavors(ComponentKind.ARTIFACT_STORE)] == ["local"]
    assert [f.name for f in registry.flavors(ComponentKind.METADATA_STORE)] == ["mysql", "sqlite"]
    assert [f.name for f in registry.flavors(ComponentKind.ORCHESTRATOR)] == ["local"]
    assert [f.name for f in registry.flavors(ComponentKind.PROCESSING_BACKEND)] == ["local"]
    flavor = registry.flavor(ComponentKind.ORCHESTRATOR, "local")
    assert flavor.distribution == "zenml-core"
    assert flavor.load_implementation().__name__ == "LocalOrchestrator"
    assert [info.distribution for info in plugins.plugins] == ["zenml-core"]


def test_ad_hoc_plugin_registers_a_flavor_by_import_path(plugins: PluginManager) -> None:
    plugins.register(OrchestratorPlugin(), name="adhoc", distribution="zenml-adhoc")
    try:
        flavor = plugins.registry.flavor(ComponentKind.ORCHESTRATOR, "adhoc")
        assert flavor.distribution == "zenml-adhoc"
        assert flavor.description == "An ad-hoc orchestrator."
        # Listing never imported the implementation; loading it names the missing module.
        assert "not_installed_heavy_library" not in sys.modules
        with pytest.raises(PluginError, match=r"not_installed_heavy_library.*install the package"):
            flavor.load_implementation()
        assert plugins.registry.provided_by("zenml-adhoc") == ["orchestrator:adhoc"]
    finally:
        plugins.unregister("adhoc")
    with pytest.raises(UnknownFlavorError, match=r"unknown orchestrator flavor 'adhoc'.*local"):
        plugins.registry.flavor(ComponentKind.ORCHESTRATOR, "adhoc")


def test_materializers_and_step_classes_are_registered(plugins: PluginManager) -> None:
    class Plugin:
        @hookimpl
        def zenml_register_materializers(self, registry: Any) -> None:
            registry.add("somelib:Thing", materializer="somewhere:ThingMaterializer")

        @hookimpl
        def zenml_register_step_classes(self, registry: Any) -> None:
            registry.add("FancySplit", implementation="somewhere:FancySplit", description="Fancy.")

    plugins.register(Plugin(), name="extras", distribution="zenml-extras")
    registry = plugins.registry
    assert [
        (m.type, m.materializer) for m in registry.materializers if m.distribution == "zenml-extras"
    ] == [("somelib:Thing", "somewhere:ThingMaterializer")]
    assert [
        (s.name, s.description) for s in registry.step_classes if s.distribution == "zenml-extras"
    ] == [("FancySplit", "Fancy.")]
    assert registry.provided_by("zenml-extras") == [
        "materializer:somelib:Thing",
        "step-class:FancySplit",
    ]


def test_a_class_instead_of_an_instance_is_a_clear_error(plugins: PluginManager) -> None:
    with pytest.raises(
        PluginError, match=r"is a class; register an instance: OrchestratorPlugin\(\)"
    ):
        plugins.register(OrchestratorPlugin)


def test_an_implementation_with_a_wrong_argument_fails_at_register(plugins: PluginManager) -> None:
    class Typo:
        @hookimpl
        def zenml_register_orchestrators(self, registy: Any) -> None:
            pass

    with pytest.raises(PluginError, match=r"zenml-typo.*registy"):
        plugins.register(Typo(), name="typo", distribution="zenml-typo")


def test_a_misspelled_hook_is_an_error_naming_plugin_and_hook(plugins: PluginManager) -> None:
    class Misspelled:
        @hookimpl
        def zenml_register_orchestrator(self, registry: Any) -> None:  # the s is missing
            registry.add("never", implementation="x:Y", config="x:Z")

    with pytest.raises(PluginError) as caught:
        plugins.register(Misspelled(), name="misspelled", distribution="zenml-misspelled")
    assert str(caught.value) == (
        "plugin 'misspelled' from zenml-misspelled: implements zenml_register_orchestrator, "
        "which is not a zenml hook (did you mean zenml_register_orchestrators?)"
    )
    assert "misspelled" not in {info.name for info in plugins.plugins}  # not loaded
    assert "never" not in {f.name for f in plugins.registry.flavors(ComponentKind.ORCHESTRATOR)}

    class Optional:
        @hookimpl(optionalhook=True)
        def zenml_some_future_hook(self) -> None:
            pass

    plugins.register(Optional(), name="optional")  # declared optional: accepted
    plugins.unregister("optional")


def test_two_distributions_registering_one_flavor_is_an_error_naming_both(
    plugins: PluginManager,
) -> None:
    plugins.register(OrchestratorPlugin("shared"), name="a", distribution="zenml-first")
    plugins.register(OrchestratorPlugin("shared"), name="b", distribution="zenml-second")
    with pytest.raises(DuplicateRegistrationError) as caught:
        _ = plugins.registry
    message = str(caught.value)
    assert "orchestrator flavor 'shared'" in message
    assert "zenml-first" in message and "zenml-second" in message
    assert "ZENML_BLOCKED_PLUGINS" in message


def test_a_plugin_may_not_replace_a_core_flavor(plugins: PluginManager) -> None:
    plugins.register(OrchestratorPlugin("local"), name="sneaky", distribution="zenml-sneaky")
    with pytest.raises(DuplicateRegistrationError, match="both zenml-core and zenml-sneaky"):
        _ = plugins.registry


def test_one_distribution_registering_a_flavor_twice_is_an_error(plugins: PluginManager) -> None:
    class Twice:
        @hookimpl
        def zenml_register_training_backends(self, registry: Any) -> None:
            for _ in range(2):
                registry.add("gpu", implementation="x:Y", config="x:Z")

    plugins.register(Twice(), name="twice", distribution="zenml-twice")
    with pytest.raises(DuplicateRegistrationError, match="registered twice by zenml-twice"):
        _ = plugins.registry


def test_a_crashing_registration_hook_is_reported_and_skipped(plugins: PluginManager) -> None:
    class Crashing:
        @hookimpl
        def zenml_register_processing_backends(self, registry: Any) -> None:
            raise RuntimeError("boom")

    plugins.register(Crashing(), name="crashing", distribution="zenml-crashing")
    plugins.register(OrchestratorPlugin(), name="fine", distribution="zenml-fine")
    with pytest.warns(PluginLoadWarning, match=r"zenml-crashing failed in .*RuntimeError: boom"):
        registry = plugins.registry
    assert registry.flavor(ComponentKind.ORCHESTRATOR, "adhoc").distribution == "zenml-fine"


class Recorder:
    """Implements every lifecycle hook and records the calls it receives."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def zenml_before_pipeline_run(self, pipeline_name: str, run_id: str, stack: Any) -> None:
        self.calls.append(("before_pipeline", {"pipeline": pipeline_name, "run": run_id}))

    @hookimpl
    def zenml_after_pipeline_run(self, run_id: str, status: str) -> None:
        self.calls.append(("after_pipeline", {"run": run_id, "status": status}))

    @hookimpl
    def zenml_on_pipeline_error(self, run_id: str, error: BaseException) -> None:
        self.calls.append(("pipeline_error", {"run": run_id, "error": str(error)}))

    @hookimpl
    def zenml_before_step_run(self, step_name: str) -> None:
        self.calls.append(("before_step", {"step": step_name}))

    @hookimpl
    def zenml_after_step_run(self, step_name: str, status: str) -> None:
        self.calls.append(("after_step", {"step": step_name, "status": status}))

    @hookimpl
    def zenml_on_step_error(self, step_name: str, error: BaseException) -> None:
        self.calls.append(("step_error", {"step": step_name, "error": str(error)}))


def test_lifecycle_hooks_accept_the_documented_keywords(plugins: PluginManager) -> None:
    recorder = Recorder()
    plugins.register(recorder, name="recorder")
    hook = plugins.hook
    common = {"pipeline_name": "train", "run_id": "r1", "stack": None}
    hook.zenml_before_pipeline_run(**common)
    hook.zenml_before_step_run(**common, step_name="split")
    hook.zenml_on_step_error(**common, step_name="split", error=ValueError("bad"))
    hook.zenml_after_step_run(**common, step_name="split", status="failed")
    hook.zenml_on_pipeline_error(**common, error=ValueError("bad"))
    hook.zenml_after_pipeline_run(**common, status="failed")
    assert recorder.calls == [
        ("before_pipeline", {"pipeline": "train", "run": "r1"}),
        ("before_step", {"step": "split"}),
        ("step_error", {"step": "split", "error": "bad"}),
        ("after_step", {"step": "split", "status": "failed"}),
        ("pipeline_error", {"run": "r1", "error": "bad"}),
        ("after_pipeline", {"run": "r1", "status": "failed"}),
    ]


def test_plugins_add_cli_commands(plugins: PluginManager) -> None:
    class CommandPlugin:
        @hookimpl
        def zenml_add_cli_commands(self, cli: click.Group) -> None:
            @cli.command("hello")
            def hello() -> None:
                click.echo("hello")

    plugins.register(CommandPlugin(), name="commands")
    group = click.Group("zenml")
    plugins.add_cli_commands(group)
    assert list(group.commands) == ["hello"]


# -- entry points of really installed distributions ------------------------------------------


@pytest.fixture
def on_path(installed_plugins: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(installed_plugins))
    return installed_plugins


def test_entry_points_are_loaded_and_a_broken_one_is_skipped(
    on_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delitem(sys.modules, "zenml_tiny.components", raising=False)
    with pytest.warns(PluginLoadWarning) as caught:
        manager = create_plugin_manager()
    messages = [str(warning.message) for warning in caught]
    assert len(messages) == 1
    assert "'broken' from zenml-broken 0.0.1 failed to load" in messages[0]
    assert "zenml_missing_dependency" in messages[0]
    ours = {"zenml-core", "zenml-tiny", "zenml-broken"}  # other installed plugins may exist
    status = {
        i.distribution: (i.version, i.status) for i in manager.plugins if i.distribution in ours
    }
    assert status == {
        "zenml-core": (status["zenml-core"][0], "loaded"),
        "zenml-tiny": ("0.3.1", "loaded"),
        "zenml-broken": ("0.0.1", "failed"),
    }
    flavor = manager.registry.flavor(ComponentKind.ORCHESTRATOR, "tiny")
    assert flavor.distribution == "zenml-tiny"
    assert "zenml_tiny.components" not in sys.modules  # registered by path, not imported


def test_autoload_can_be_turned_off(on_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        manager = create_plugin_manager(environ={"ZENML_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert [info.distribution for info in manager.plugins] == ["zenml-core"]


@pytest.mark.parametrize("blocked", ["broken,tiny", "zenml-broken, zenml_tiny"])
def test_plugins_can_be_blocked_by_entry_point_or_distribution(on_path: Path, blocked: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        manager = create_plugin_manager(environ={"ZENML_BLOCKED_PLUGINS": blocked})
    ours = {"zenml-core", "tiny", "broken"}
    assert {i.name: i.status for i in manager.plugins if i.name in ours} == {
        "zenml-core": "loaded",
        "tiny": "blocked",
        "broken": "blocked",
    }
    with pytest.raises(UnknownFlavorError):
        manager.registry.flavor(ComponentKind.ORCHESTRATOR, "tiny")


class EveryKindPlugin:
    """Registers one flavor through each component registration hook."""

    def _add(self, registry: Any) -> None:
        registry.add("every", implementation=f"every:{registry.kind.name}", config="every:Config")

    @hookimpl
    def zenml_register_artifact_stores(self, registry: Any) -> None:
        self._add(registry)

    @hookimpl
    def zenml_register_metadata_stores(self, registry: Any) -> None:
        self._add(registry)

    @hookimpl
    def zenml_register_orchestrators(self, registry: Any) -> None:
        self._add(registry)

    @hookimpl
    def zenml_register_processing_backends(self, registry: Any) -> None:
        self._add(registry)

    @hookimpl
    def zenml_register_training_backends(self, registry: Any) -> None:
        self._add(registry)


@pytest.mark.parametrize("kind", list(ComponentKind))
def test_each_registration_hook_adds_flavors_of_its_kind(
    plugins: PluginManager, kind: ComponentKind
) -> None:
    plugins.register(EveryKindPlugin(), name="every", distribution="zenml-every")
    flavor = plugins.registry.flavor(kind, "every")
    assert (flavor.kind, flavor.implementation, flavor.distribution) == (
        kind,
        f"every:{kind.name}",
        "zenml-every",
    )
