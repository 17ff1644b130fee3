"""Create the plugin manager: the core's defaults plus every ``zenml.plugins`` entry point.

There is no module-level manager: callers create one with :func:`create_plugin_manager` (the
CLI does so once per process), and tests create their own.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pluggy
from attrs import frozen

from zenml_core.errors import HookError, PluginError, ZenMLError
from zenml_core.plugin import PROJECT_NAME, spec
from zenml_core.plugin.registry import (
    ComponentRegistrar,
    MaterializerRegistrar,
    Registry,
    StepClassRegistrar,
)
from zenml_core.stack.component import ComponentKind

ENTRY_POINT_GROUP = "zenml.plugins"
DISABLE_AUTOLOAD_ENV = "ZENML_DISABLE_PLUGIN_AUTOLOAD"
BLOCKED_PLUGINS_ENV = "ZENML_BLOCKED_PLUGINS"
CORE_DISTRIBUTION = "zenml-core"
AD_HOC_DISTRIBUTION = "<ad-hoc>"


class PluginLoadWarning(UserWarning):
    """An installed plugin could not be loaded and was skipped."""


@frozen
class PluginInfo:
    """What ``zenml plugins list`` shows for one plugin."""

    name: str
    distribution: str
    version: str
    status: str  # loaded | blocked | failed | incompatible
    error: str | None = None


def _normalize(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def _report(message: str) -> None:
    # The warnings registry shows each distinct message once per process.
    warnings.warn(message, PluginLoadWarning, stacklevel=3)


class PluginManager:
    """A pluggy manager that knows which distribution each plugin came from."""

    def __init__(self) -> None:
        self._pm = pluggy.PluginManager(PROJECT_NAME)
        self._pm.add_hookspecs(spec)
        self._plugins: dict[str, PluginInfo] = {}
        self._registry: Registry | None = None

    @property
    def hook(self) -> Any:
        """Call lifecycle hooks: ``manager.hook.zenml_before_step_run(...)`` (keywords only)."""
        return self._pm.hook

    @property
    def plugins(self) -> list[PluginInfo]:
        """Every plugin seen, in load order, including blocked and failed ones."""
        return list(self._plugins.values())

    def register(
        self,
        plugin: object,
        *,
        name: str | None = None,
        distribution: str = AD_HOC_DISTRIBUTION,
        version: str = "",
    ) -> str:
        """Register a module or an instance holding ``@hookimpl`` functions; returns its name."""
        if isinstance(plugin, type):
            raise PluginError(
                f"plugin {plugin.__qualname__} is a class; register an instance: "
                f"{plugin.__qualname__}()"
            )
        try:
            registered = self._pm.register(plugin, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            detail = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
            raise PluginError(f"plugin {name or plugin!r} from {distribution}: {detail}") from exc
        if registered is None:  # blocked
            raise PluginError(f"plugin {name!r} is blocked")
        unknown = self._unknown_hooks(plugin)
        if unknown:
            self._pm.unregister(name=registered)
            raise PluginError(f"plugin {registered!r} from {distribution}: {unknown}")
        self._plugins[registered] = PluginInfo(registered, distribution, version, "loaded")
        self._registry = None
        return registered

    def _unknown_hooks(self, plugin: object) -> str | None:
        """What ``check_pending`` would find for this plugin: an implementation of a hook
        that does not exist (a misspelling would otherwise be ignored in silence)."""
        unknown = [
            caller
            for caller in self._pm.get_hookcallers(plugin) or []
            if not caller.has_spec()
            and not all(
                impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin is plugin
            )
        ]
        if not unknown:
            return None
        import difflib  # only on the error path: plugins load on every zenml command

        known = [name for name in dir(spec) if name.startswith("zenml_")]
        problems = []
        for caller in unknown:
            close = difflib.get_close_matches(caller.name, known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            problems.append(f"implements {caller.name}, which is not a zenml hook{hint}")
        return "; ".join(problems)

    def unregister(self, name: str) -> None:
        """Remove a plugin registered under ``name`` (tests register ad-hoc plugins this way)."""
        self._pm.unregister(name=name)
        self._plugins.pop(name, None)
        self._registry = None

    def load_entry_points(self, *, blocked: Iterable[str] = ()) -> None:
        """Load every ``zenml.plugins`` entry point; a broken one is reported and skipped.
        Which entry points are installed is cached (see :mod:`zenml_core.plugin.entry_points`)."""
        from zenml_core.plugin.entry_points import find_entry_points

        blocked_names = {_normalize(name) for name in blocked}
        for entry_point in find_entry_points(ENTRY_POINT_GROUP, _incompatibility):
            distribution, version = entry_point.distribution, entry_point.version
            if entry_point.name in self._plugins:
                continue  # the same distribution found twice on sys.path
            problem = entry_point.problem
            if problem is not None:
                self._plugins[entry_point.name] = PluginInfo(
                    entry_point.name, distribution, version, "incompatible", problem
                )
                _report(
                    f"plugin {entry_point.name!r} from {distribution} {version} is skipped: "
                    f"{problem}; install a {distribution} built for this zenml-core"
                )
                continue
            if blocked_names & {_normalize(entry_point.name), _normalize(distribution)}:
                self._pm.set_blocked(entry_point.name)
                self._plugins[entry_point.name] = PluginInfo(
                    entry_point.name, distribution, version, "blocked"
                )
                continue
            try:
                self.register(
                    entry_point.load(),
                    name=entry_point.name,
                    distribution=distribution,
                    version=version,
                )
            except Exception as exc:
                error = f"{type(exc).__name__}: {exc}"
                self._plugins[entry_point.name] = PluginInfo(
                    entry_point.name, distribution, version, "failed", error
                )
                _report(
                    f"plugin {entry_point.name!r} from {distribution} {version} failed to load "
                    f"({error}) and is skipped; fix or uninstall {distribution}, or set "
                    f"{BLOCKED_PLUGINS_ENV}={entry_point.name}"
                )

    # -- registration -----------------------------------------------------------------------------

    @property
    def registry(self) -> Registry:
        """Flavors, materializers and step classes of all loaded plugins (built on first use)."""
        if self._registry is None:
            self._registry = self._build_registry()
        return self._registry

    def _distribution(self, plugin_name: str) -> str:
        info = self._plugins.get(plugin_name)
        return info.distribution if info is not None else AD_HOC_DISTRIBUTION

    def _call_each(self, hook_name: str, make_kwargs: Callable[[str], dict[str, Any]]) -> None:
        """Call each implementation of ``hook_name`` with arguments made for its distribution.

        Registration hooks are called one implementation at a time (instead of through
        ``pm.hook``) so each registrar is bound to the calling plugin's distribution. A plugin
        whose hook crashes is reported and skipped; zenml's own errors (clashes) propagate.
        """
        hook = getattr(self._pm.hook, hook_name)
        for impl in hook.get_hookimpls():  # in registration order: the core first
            distribution = self._distribution(impl.plugin_name)
            kwargs = make_kwargs(distribution)
            try:
                impl.function(**{name: kwargs[name] for name in impl.argnames})
            except ZenMLError:
                raise
            except Exception as exc:
                _report(
                    f"plugin {impl.plugin_name!r} from {distribution} failed in {hook_name} "
                    f"({type(exc).__name__}: {exc}) and is skipped there"
                )

    def call_lifecycle(self, hook_name: str, **kwargs: Any) -> HookError | None:
        """Call every implementation of the lifecycle hook ``hook_name``; each runs even if
        another raised. Returns the first failure as a :class:`HookError` naming the plugin
        and the hook (the caller decides what it fails), or None."""
        first: HookError | None = None
        for impl in reversed(getattr(self._pm.hook, hook_name).get_hookimpls()):
            try:
                impl.function(**{name: kwargs[name] for name in impl.argnames})
            except Exception as exc:
                if first is None:
                    first = HookError(
                        f"plugin {impl.plugin_name!r} ({self._distribution(impl.plugin_name)}) "
                        f"raised in {hook_name}: {type(exc).__name__}: {exc}"
                    )
                    first.__cause__ = exc
        return first

    def _build_registry(self) -> Registry:
        registry = Registry()
        for kind in ComponentKind:
            self._call_each(kind.register_hook, _component_registrar_factory(registry, kind))
        self._call_each(
            "zenml_register_materializers",
            lambda dist: {"registry": MaterializerRegistrar(registry, dist)},
        )
        self._call_each(
            "zenml_register_step_classes",
            lambda dist: {"registry": StepClassRegistrar(registry, dist)},
        )
        return registry

    def add_cli_commands(self, cli: Any) -> None:
        """Let every plugin add its commands to the ``zenml`` click group."""
        self._call_each("zenml_add_cli_commands", lambda dist: {"cli": cli})


def _component_registrar_factory(
    registry: Registry, kind: ComponentKind
) -> Callable[[str], dict[str, Any]]:
    return lambda distribution: {"registry": ComponentRegistrar(registry, kind, distribution)}


def _incompatibility(dist: Any) -> str | None:
    """Why ``dist`` cannot work with this zenml-core (its requirement on it), or None."""
    from zenml_core.version import __version__

    if dist is None:
        return None
    for line in dist.requires or []:
        requirement, _, marker = line.partition(";")
        if "extra ==" in marker:
            continue
        name = requirement.strip().split("[")[0]
        for separator in "<>=!~ (":
            name = name.split(separator)[0]
        if _normalize(name) != "zenml-core":
            continue
        try:
            from packaging.requirements import Requirement
        except ImportError:  # packaging is nearly always there; without it, trust the plugin
            return None
        specifier = Requirement(requirement).specifier
        if specifier and not specifier.contains(__version__, prereleases=True):
            return f"it requires zenml-core{specifier}, this is zenml-core {__version__}"
    return None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


def create_plugin_manager(
    *, autoload: bool | None = None, environ: Mapping[str, str] | None = None
) -> PluginManager:
    """A manager with the core's own defaults and, unless disabled, every installed plugin.

    ``ZENML_DISABLE_PLUGIN_AUTOLOAD=1`` skips entry points; ``ZENML_BLOCKED_PLUGINS=a,b``
    skips the plugins (entry-point or distribution names) listed.
    """
    from zenml_core.plugin import builtin
    from zenml_core.version import __version__

    environ = os.environ if environ is None else environ
    manager = PluginManager()
    manager.register(
        builtin, name=CORE_DISTRIBUTION, distribution=CORE_DISTRIBUTION, version=__version__
    )
    if autoload is None:
        autoload = not _truthy(environ.get(DISABLE_AUTOLOAD_ENV))
    if autoload:
        blocked = [name for name in environ.get(BLOCKED_PLUGINS_ENV, "").split(",") if name.strip()]
        manager.load_entry_points(blocked=blocked)
    return manager
