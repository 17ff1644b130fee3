"""The version of zenml-core (its own module: reading it imports nothing else)."""

__version__ = "0.1.0"
