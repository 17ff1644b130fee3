"""Turn configuration (file, environment) into live component objects and stacks."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zenml_core.config.converter import structure
from zenml_core.config.environment import STACK_ENV, component_overrides
from zenml_core.config.models import ComponentConfig, RepositoryConfig
from zenml_core.errors import PluginError, UnknownFlavorError
from zenml_core.stack.component import ComponentKind, StackComponent
from zenml_core.stack.stack import Stack

if TYPE_CHECKING:
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.plugin.registry import Registry
    from zenml_core.repository import Repository


def component_settings(
    kind: ComponentKind,
    name: str,
    component: ComponentConfig,
    registry: Registry,
    *,
    source: str,
    environ: Mapping[str, str] | None = None,
) -> Any:
    """Validate a component's settings (plus environment overrides) into its flavor's config."""
    try:
        flavor = registry.flavor(kind, component.flavor)
    except UnknownFlavorError as exc:
        raise UnknownFlavorError(f"{kind.noun} {name!r}: {exc}") from None
    config_cls = flavor.load_config_class()
    overrides = component_overrides(kind, config_cls, environ) if environ else {}
    source = f"{source}: {kind.noun} {name!r} ({flavor.name})"
    if overrides:
        variables = ", ".join(f"{kind.env_prefix}{key.upper()}" for key in overrides)
        source += f" with {variables}"
    from zenml_core.config.secrets import remember

    config = structure({**component.config, **overrides}, config_cls, source=source)
    remember(config)
    return config


def effective_settings(config: Any) -> dict[str, Any]:
    """A validated config as plain data, defaults filled in, secrets masked (``describe``)."""
    from zenml_core.config.secrets import public_settings

    return public_settings(config)


def build_component(
    kind: ComponentKind,
    name: str,
    component: ComponentConfig,
    registry: Registry,
    *,
    root: Path,
    source: str,
    environ: Mapping[str, str] | None = None,
) -> StackComponent[Any]:
    """Import the flavor's implementation and instantiate it with the validated config."""
    config = component_settings(kind, name, component, registry, source=source, environ=environ)
    flavor = registry.flavor(kind, component.flavor)
    implementation = flavor.load_implementation()
    if not (isinstance(implementation, type) and issubclass(implementation, StackComponent)):
        raise PluginError(f"{flavor.label}: {flavor.implementation} is not a StackComponent class")
    if implementation.KIND is not kind:
        raise PluginError(
            f"{flavor.label}: {flavor.implementation} is of kind {implementation.KIND.noun!r}, "
            f"expected {kind.noun!r}"
        )
    return implementation(name=name, config=config, root=root, flavor=flavor.name)


def load_stack(
    repository: Repository,
    *,
    name: str | None = None,
    config: RepositoryConfig | None = None,
    plugins: PluginManager,
    environ: Mapping[str, str] | None = None,
) -> Stack:
    """Build a stack from the repository's configuration.

    The stack is ``name``, else ``$ZENML_STACK``, else the active stack; ``ZENML_<KIND>__<FIELD>``
    environment variables override component fields for this process.
    """
    config = repository.load_config() if config is None else config
    environ = os.environ if environ is None else environ
    stack_name = name or environ.get(STACK_ENV) or config.active_stack
    stack_config = config.stack(stack_name)
    components = {
        kind.value: build_component(
            kind,
            component_name,
            config.component(kind, component_name),
            plugins.registry,
            root=repository.root,
            source=str(repository.config_path),
            environ=environ,
        )
        for kind, component_name in stack_config.component_names().items()
    }
    return Stack(name=stack_name, **components)  # type: ignore[arg-type]  # checked by Stack


def _flavor_name(kind: ComponentKind, component: StackComponent[Any], registry: Registry) -> str:
    if component.flavor is not None:
        return component.flavor
    path = f"{type(component).__module__}:{type(component).__qualname__}"
    flavor = registry.flavor_of(kind, path)
    if flavor is None:
        raise PluginError(f"{kind.noun} {component.name!r}: no registered flavor implements {path}")
    return flavor.name


def stack_document(stack: Stack, registry: Registry) -> dict[str, Any]:
    """The stack as plain data another process can rebuild it from, without secrets.

    Secrets travel separately, as environment variables (:func:`secret_environment`).
    """
    from zenml_core.config.converter import unstructure
    from zenml_core.config.secrets import secret_fields

    components = {}
    for kind, component in stack.components.items():
        settings = unstructure(component.config)
        for name in secret_fields(component.config):
            settings.pop(name, None)
        components[kind.value] = {
            "name": component.name,
            "flavor": _flavor_name(kind, component, registry),
            "settings": settings,
        }
    return {"name": stack.name, "components": components}


def _secret_sources(stack: Stack) -> list[tuple[str, str | None, bool]]:
    """(variable, value from the configuration, is a reference) for each secret of the stack
    that is set: a reference (``password_env: ZENML_DB_PASSWORD``) names its variable; a value
    in the configuration travels as ``ZENML_<KIND>__<FIELD>`` (which overrides the field)."""
    from zenml_core.config.secrets import secret_fields

    sources: list[tuple[str, str | None, bool]] = []
    for kind, component in stack.components.items():
        for name in secret_fields(component.config):
            reference = getattr(component.config, f"{name}_env", None)
            value = getattr(component.config, name)
            if reference:
                sources.append((str(reference), None, True))
            elif value is not None:
                sources.append((f"{kind.env_prefix}{name.upper()}", str(value), False))
    return sources


def secret_variables(stack: Stack) -> list[str]:
    """The environment variables a step process needs for the stack's secrets. Orchestrators
    whose steps run where this process's environment is not (a cluster, a cloud job) provide
    these names from their own secret store."""
    return [variable for variable, _, _ in _secret_sources(stack)]


def secret_environment(stack: Stack, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """:func:`secret_variables` with their values, for step processes on this machine (a
    subprocess, a container): from the configuration, or for references from ``environ``."""
    environ = os.environ if environ is None else environ
    environment = {}
    for variable, value, is_reference in _secret_sources(stack):
        found = environ.get(variable) if is_reference else value
        if found is not None:
            environment[variable] = found
    return environment


def stack_from_document(
    document: dict[str, Any],
    plugins: PluginManager,
    *,
    root: Path,
    environ: Mapping[str, str] | None = None,
    with_orchestrator: bool = True,
) -> Stack:
    """Rebuild a stack written by :func:`stack_document` (secrets from ``environ``).

    Without ``with_orchestrator`` (a step process: it needs the stores and backends, and the
    orchestrator's plugin may not even be installed where the step runs) a local
    orchestrator of the same name stands in."""
    environ = os.environ if environ is None else environ
    components: dict[str, StackComponent[Any]] = {}
    for kind_name, entry in document["components"].items():
        kind = ComponentKind(kind_name)
        if kind is ComponentKind.ORCHESTRATOR and not with_orchestrator:
            from zenml_core.orchestrators.local import LocalOrchestrator, LocalOrchestratorConfig

            components[kind.value] = LocalOrchestrator(
                name=entry["name"], config=LocalOrchestratorConfig(), root=root, flavor="local"
            )
            continue
        components[kind.value] = build_component(
            kind,
            entry["name"],
            ComponentConfig(flavor=entry["flavor"], config=entry["settings"]),
            plugins.registry,
            root=root,
            source="stack document",
            environ=environ,
        )
    return Stack(name=document["name"], **components)  # type: ignore[arg-type]
