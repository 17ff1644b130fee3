"""The plugin kernel: pluggy markers shared by the specs and every implementation, and the
types plugins write their hooks against.

Plugins write ``from zenml_core import hookimpl`` and decorate functions named after the
hooks in :mod:`zenml_core.plugin.spec`, typing them with the registrars and the CLI context
exported here::

    from zenml_core.plugin import ComponentRegistrar, hookimpl

    @hookimpl
    def zenml_register_orchestrators(registry: ComponentRegistrar) -> None: ...
"""

from typing import TYPE_CHECKING, Any

import pluggy

PROJECT_NAME = "zenml"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

# After the markers: these modules import nothing heavy, and nothing that imports this one.
from zenml_core.plugin.registry import (  # noqa: E402
    ComponentRegistrar,
    MaterializerRegistrar,
    StepClassRegistrar,
)

if TYPE_CHECKING:
    from zenml_core.cli.context import CLIContext


def __getattr__(name: str) -> Any:
    # The CLI context lives with the CLI, which imports click: loaded only when asked for.
    if name == "CLIContext":
        from zenml_core.cli.context import CLIContext

        return CLIContext
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "PROJECT_NAME",
    "CLIContext",
    "ComponentRegistrar",
    "MaterializerRegistrar",
    "StepClassRegistrar",
    "hookimpl",
    "hookspec",
]
