"""The registry of what plugins provide: component flavors, materializers and step classes.

Registration hooks receive a *registrar* bound to the calling plugin's distribution, so every
entry knows where it came from and a clash can name both sides.
"""

from __future__ import annotations

from typing import Any

from attrs import frozen

from zenml_core.errors import DuplicateRegistrationError, UnknownFlavorError
from zenml_core.stack.component import ComponentKind
from zenml_core.utils.imports import import_object


@frozen
class Flavor:
    """One implementation of a component kind, named by import paths (nothing imported yet)."""

    kind: ComponentKind
    name: str
    implementation: str
    config: str
    distribution: str
    description: str = ""
    # Extras of ``distribution`` this flavor needs where steps run (``zenml-core[mysql]``).
    extras: tuple[str, ...] = ()

    @property
    def requirement(self) -> str:
        """The distribution with this flavor's extras, as a pip requirement name."""
        return f"{self.distribution}[{','.join(self.extras)}]" if self.extras else self.distribution

    @property
    def label(self) -> str:
        return f"{self.kind.noun} flavor {self.name!r} (from {self.distribution})"

    def load_implementation(self) -> type[Any]:
        """Import the component class (this may import the plugin's heavy dependencies)."""
        return import_object(self.implementation, what=self.label)  # type: ignore[no-any-return]

    def load_config_class(self) -> type[Any]:
        """Import the frozen attrs class that validates this flavor's configuration."""
        return import_object(self.config, what=self.label)  # type: ignore[no-any-return]


@frozen
class MaterializerEntry:
    """A materializer for one Python type, both named by import path."""

    type: str
    materializer: str
    distribution: str


@frozen
class StepClassEntry:
    """A step class users can subclass."""

    name: str
    implementation: str
    distribution: str
    description: str = ""


Entry = Flavor | MaterializerEntry | StepClassEntry


class Registry:
    """Everything registered by the loaded plugins. Built once by the plugin manager."""

    def __init__(self) -> None:
        self._flavors: dict[ComponentKind, dict[str, Flavor]] = {kind: {} for kind in ComponentKind}
        self._materializers: dict[str, MaterializerEntry] = {}
        self._step_classes: dict[str, StepClassEntry] = {}

    # -- adding -------------------------------------------------------------------------------

    @staticmethod
    def _check_unique(existing: Entry | None, new: Entry, what: str) -> None:
        if existing is None:
            return
        if existing.distribution == new.distribution:
            raise DuplicateRegistrationError(
                f"{what} is registered twice by {new.distribution}; register it once"
            )
        raise DuplicateRegistrationError(
            f"{what} is registered by both {existing.distribution} and {new.distribution}; "
            "uninstall one of them or block one with ZENML_BLOCKED_PLUGINS=<name>"
        )

    def add_flavor(self, flavor: Flavor) -> None:
        by_name = self._flavors[flavor.kind]
        self._check_unique(
            by_name.get(flavor.name), flavor, f"{flavor.kind.noun} flavor {flavor.name!r}"
        )
        by_name[flavor.name] = flavor

    def add_materializer(self, entry: MaterializerEntry) -> None:
        self._check_unique(
            self._materializers.get(entry.type), entry, f"the materializer for {entry.type!r}"
        )
        self._materializers[entry.type] = entry

    def add_step_class(self, entry: StepClassEntry) -> None:
        self._check_unique(self._step_classes.get(entry.name), entry, f"step class {entry.name!r}")
        self._step_classes[entry.name] = entry

    # -- reading ------------------------------------------------------------------------------

    def flavors(self, kind: ComponentKind) -> list[Flavor]:
        """The flavors of ``kind``, sorted by name."""
        return sorted(self._flavors[kind].values(), key=lambda flavor: flavor.name)

    def flavor(self, kind: ComponentKind, name: str) -> Flavor:
        """The flavor ``name`` of ``kind``, or an error listing the known ones."""
        try:
            return self._flavors[kind][name]
        except KeyError:
            known = ", ".join(sorted(self._flavors[kind])) or "none"
            raise UnknownFlavorError(
                f"unknown {kind.noun} flavor {name!r} (installed: {known}); install the plugin "
                f"that provides it, then check `zenml {kind.cli_name} flavors`"
            ) from None

    def config_class_if_known(self, kind: ComponentKind, name: str) -> type[Any] | None:
        """The config class of flavor ``name``, or None when no installed plugin provides it
        (or it fails to import): for showing settings that were never validated."""
        flavor = self._flavors[kind].get(name)
        if flavor is None:
            return None
        try:
            return flavor.load_config_class()
        except Exception:
            return None

    def flavor_of(self, kind: ComponentKind, implementation: str) -> Flavor | None:
        """The flavor whose implementation is at ``implementation`` (``module:Class``)."""
        return next(
            (
                flavor
                for flavor in self._flavors[kind].values()
                if flavor.implementation == implementation
            ),
            None,
        )

    @property
    def materializers(self) -> list[MaterializerEntry]:
        return sorted(self._materializers.values(), key=lambda entry: entry.type)

    @property
    def step_classes(self) -> list[StepClassEntry]:
        return sorted(self._step_classes.values(), key=lambda entry: entry.name)

    def provided_by(self, distribution: str) -> list[str]:
        """Human-readable list of what ``distribution`` registered, for ``zenml plugins list``."""
        provided = [
            f"{flavor.kind.cli_name}:{flavor.name}"
            for kind in ComponentKind
            for flavor in self.flavors(kind)
            if flavor.distribution == distribution
        ]
        provided += [
            f"materializer:{entry.type}"
            for entry in self.materializers
            if entry.distribution == distribution
        ]
        provided += [
            f"step-class:{entry.name}"
            for entry in self.step_classes
            if entry.distribution == distribution
        ]
        return provided


class ComponentRegistrar:
    """What a component registration hook receives: ``registry.add(name, implementation=...)``."""

    def __init__(self, registry: Registry, kind: ComponentKind, distribution: str) -> None:
        self._registry = registry
        self.kind = kind
        self.distribution = distribution

    def add(
        self,
        name: str,
        *,
        implementation: str,
        config: str,
        description: str = "",
        extras: tuple[str, ...] | list[str] = (),
    ) -> None:
        """Register flavor ``name``; ``implementation`` and ``config`` are ``module:Class``;
        ``extras``: extras of the plugin's distribution the flavor needs (installed into step
        images along with it)."""
        self._registry.add_flavor(
            Flavor(
                kind=self.kind,
                name=name,
                implementation=implementation,
                config=config,
                distribution=self.distribution,
                description=description,
                extras=tuple(extras),
            )
        )


class MaterializerRegistrar:
    """What ``zenml_register_materializers`` receives."""

    def __init__(self, registry: Registry, distribution: str) -> None:
        self._registry = registry
        self.distribution = distribution

    def add(self, type: str, *, materializer: str) -> None:
        """Register ``materializer`` (``module:Class``) for the Python type at path ``type``."""
        self._registry.add_materializer(
            MaterializerEntry(type=type, materializer=materializer, distribution=self.distribution)
        )


class StepClassRegistrar:
    """What ``zenml_register_step_classes`` receives."""

    def __init__(self, registry: Registry, distribution: str) -> None:
        self._registry = registry
        self.distribution = distribution

    def add(self, name: str, *, implementation: str, description: str = "") -> None:
        """Register the step class at ``implementation`` (``module:Class``) under ``name``."""
        self._registry.add_step_class(
            StepClassEntry(
                name=name,
                implementation=implementation,
                distribution=self.distribution,
                description=description,
            )
        )
