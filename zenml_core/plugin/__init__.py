"""The plugin kernel: pluggy markers shared by the specs and every implementation.

Plugins write ``from zenml_core import hookimpl`` and decorate functions named after the
hooks in :mod:`zenml_core.plugin.spec`.
"""

import pluggy

PROJECT_NAME = "zenml"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

__all__ = ["PROJECT_NAME", "hookimpl", "hookspec"]
