"""The shape of ``.zen/config.yaml``: components by kind and name, stacks, the active stack.

The classes are frozen; the ``with_*``/``without_*`` methods return changed copies after
checking that the change keeps the configuration consistent.
"""

from __future__ import annotations

from typing import Any

from attrs import evolve, field, frozen

from zenml_core.errors import StackError
from zenml_core.stack.component import ComponentKind

CONFIG_VERSION = 1
DEFAULT_NAME = "default"


@frozen
class ComponentConfig:
    """A registered component: its flavor and the flavor-specific settings (validated later)."""

    flavor: str
    config: dict[str, Any] = field(factory=dict)


@frozen
class StackConfig:
    """A stack names one registered component per kind."""

    artifact_store: str
    metadata_store: str
    orchestrator: str
    processing_backend: str | None = None
    training_backend: str | None = None

    def component_names(self) -> dict[ComponentKind, str]:
        """The components this stack uses, by kind (unset optional kinds left out)."""
        names = {kind: getattr(self, kind.value) for kind in ComponentKind}
        return {kind: name for kind, name in names.items() if name is not None}


def _no_components() -> dict[ComponentKind, dict[str, ComponentConfig]]:
    return {kind: {} for kind in ComponentKind}


@frozen
class RepositoryConfig:
    """Everything in ``.zen/config.yaml``."""

    version: int = CONFIG_VERSION
    active_stack: str = DEFAULT_NAME
    stacks: dict[str, StackConfig] = field(factory=dict)
    components: dict[ComponentKind, dict[str, ComponentConfig]] = field(factory=_no_components)

    @classmethod
    def default(cls) -> RepositoryConfig:
        """The configuration ``zenml init`` writes: one local stack named ``default``."""
        return cls(
            stacks={
                DEFAULT_NAME: StackConfig(
                    artifact_store=DEFAULT_NAME,
                    metadata_store=DEFAULT_NAME,
                    orchestrator=DEFAULT_NAME,
                )
            },
            components={
                **_no_components(),
                ComponentKind.ARTIFACT_STORE: {DEFAULT_NAME: ComponentConfig("local")},
                ComponentKind.METADATA_STORE: {DEFAULT_NAME: ComponentConfig("sqlite")},
                ComponentKind.ORCHESTRATOR: {DEFAULT_NAME: ComponentConfig("local")},
            },
        )

    # -- lookups --------------------------------------------------------------------------------

    def component(self, kind: ComponentKind, name: str) -> ComponentConfig:
        try:
            return self.components.get(kind, {})[name]
        except KeyError:
            raise StackError(
                f"no {kind.noun} named {name!r}; see `zenml {kind.cli_name} list`"
            ) from None

    def stack(self, name: str) -> StackConfig:
        try:
            return self.stacks[name]
        except KeyError:
            known = ", ".join(sorted(self.stacks)) or "none"
            raise StackError(f"no stack named {name!r} (registered: {known})") from None

    def stacks_using(self, kind: ComponentKind, name: str) -> list[str]:
        """Names of the stacks that use component ``name`` of ``kind``."""
        return sorted(
            stack_name
            for stack_name, stack in self.stacks.items()
            if stack.component_names().get(kind) == name
        )

    # -- changes --------------------------------------------------------------------------------

    def with_component(
        self, kind: ComponentKind, name: str, component: ComponentConfig
    ) -> RepositoryConfig:
        if name in self.components.get(kind, {}):
            raise StackError(
                f"a {kind.noun} named {name!r} already exists; choose another name or "
                f"`zenml {kind.cli_name} delete {name}` first"
            )
        components = {**self.components, kind: {**self.components.get(kind, {}), name: component}}
        return evolve(self, components=components)

    def without_component(self, kind: ComponentKind, name: str) -> RepositoryConfig:
        self.component(kind, name)
        users = self.stacks_using(kind, name)
        if users:
            raise StackError(
                f"{kind.noun} {name!r} is used by stack(s) {', '.join(users)}; "
                "delete or change those stacks first"
            )
        remaining = {key: value for key, value in self.components[kind].items() if key != name}
        return evolve(self, components={**self.components, kind: remaining})

    def with_stack(self, name: str, stack: StackConfig) -> RepositoryConfig:
        if name in self.stacks:
            raise StackError(
                f"a stack named {name!r} already exists; choose another name or "
                f"`zenml stack delete {name}` first"
            )
        for kind, component_name in stack.component_names().items():
            self.component(kind, component_name)
        return evolve(self, stacks={**self.stacks, name: stack})

    def without_stack(self, name: str) -> RepositoryConfig:
        self.stack(name)
        if name == self.active_stack:
            raise StackError(
                f"stack {name!r} is the active stack; `zenml stack set OTHER` before deleting it"
            )
        return evolve(
            self, stacks={key: value for key, value in self.stacks.items() if key != name}
        )

    def with_active_stack(self, name: str) -> RepositoryConfig:
        self.stack(name)
        return evolve(self, active_stack=name)
