"""zenml-subprocess: every step in its own Python process (a template for plugin authors)."""

__version__ = "0.1.0"
