"""What every command receives as ``ctx.obj``; its own module so that the commands and the
root group (which imports the commands) do not import each other."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository

__all__ = ["CLIContext"]


class CLIContext:
    """What every command receives as ``ctx.obj``: the plugin manager and the debug flag."""

    def __init__(self, plugins: PluginManager) -> None:
        self.plugins = plugins
        self.debug = False

    def repository(self) -> Repository:
        from zenml_core.repository import Repository

        return Repository.find()
