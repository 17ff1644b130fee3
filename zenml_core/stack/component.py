"""Component kinds and the base class every stack component implementation derives from."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

ConfigT = TypeVar("ConfigT")


class ComponentKind(str, enum.Enum):
    """The kinds of stack component. The value is the key used in ``.zen/config.yaml``."""

    ARTIFACT_STORE = "artifact_store"
    METADATA_STORE = "metadata_store"
    ORCHESTRATOR = "orchestrator"
    PROCESSING_BACKEND = "processing_backend"
    TRAINING_BACKEND = "training_backend"

    @property
    def cli_name(self) -> str:
        """``artifact-store``: the name of the CLI command group."""
        return self.value.replace("_", "-")

    @property
    def noun(self) -> str:
        """``artifact store``: how messages name this kind."""
        return self.value.replace("_", " ")

    @property
    def required(self) -> bool:
        """Whether every stack must have a component of this kind."""
        return self in REQUIRED_KINDS

    @property
    def env_prefix(self) -> str:
        """Prefix of the environment variables that override this kind's config fields."""
        return f"ZENML_{self.name}__"

    @property
    def register_hook(self) -> str:
        """Name of the registration hook through which plugins add flavors of this kind."""
        return f"zenml_register_{self.value}s"


REQUIRED_KINDS = (
    ComponentKind.ARTIFACT_STORE,
    ComponentKind.METADATA_STORE,
    ComponentKind.ORCHESTRATOR,
)


class StackComponent(Generic[ConfigT]):
    """A configured artifact store, metadata store, orchestrator or backend.

    Subclasses set ``KIND`` and accept their flavor's frozen attrs config. Constructors only
    store values: anything that touches disk or the network happens in methods, so a stack
    can be built (and described) without side effects.
    """

    KIND: ClassVar[ComponentKind]

    def __init__(
        self, *, name: str, config: ConfigT, root: Path | None = None, flavor: str | None = None
    ) -> None:
        self.name = name
        self.config = config
        self.flavor = flavor  # the registered flavor it was built from, if known
        # Relative paths in a config are relative to the repository root (or the cwd).
        self.root = root if root is not None else Path.cwd()

    def resolve_path(self, path: str) -> Path:
        """Resolve ``path`` against the repository root unless it is absolute."""
        candidate = Path(path).expanduser()
        return candidate if candidate.is_absolute() else self.root / candidate

    def initialize(self) -> None:
        """Create whatever the component needs before first use (folders, databases).

        Must be idempotent: ``zenml init`` calls it on every run.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, config={self.config!r})"

    def __eq__(self, other: Any) -> bool:
        return (
            type(other) is type(self)
            and other.name == self.name
            and other.config == self.config
            and other.root == self.root
        )

    def __hash__(self) -> int:
        return hash((type(self), self.name))
