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

if TYPE_CHECKING:
    from zenml_core.cli.context import CLIContext
    from zenml_core.plugin.registry import (
        ComponentRegistrar,
        MaterializerRegistrar,
        StepClassRegistrar,
    )

_LAZY = {
    # `import zenml_core` loads only pluggy: these load when a plugin asks for them.
    "CLIContext": "zenml_core.cli.context",
    "ComponentRegistrar": "zenml_core.plugin.registry",
    "MaterializerRegistrar": "zenml_core.plugin.registry",
    "StepClassRegistrar": "zenml_core.plugin.registry",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
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
