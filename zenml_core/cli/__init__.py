"""The ``zenml`` command line. Heavy libraries are imported inside the commands that need them."""

from zenml_core.cli.main import build_cli, main

__all__ = ["build_cli", "main"]
