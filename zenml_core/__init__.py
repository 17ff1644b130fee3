"""zenml-core: the microkernel of a pluggable MLOps pipeline framework.

Importing this package stays cheap on purpose (see ``benchmarks/``): only the pluggy
markers are loaded here; everything else is imported by the module that needs it.
"""

from zenml_core.plugin import hookimpl
from zenml_core.version import __version__

__all__ = ["__version__", "hookimpl"]
