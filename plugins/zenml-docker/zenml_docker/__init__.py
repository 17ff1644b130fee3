"""zenml-docker: run each pipeline step in its own container on a Docker engine."""

__version__ = "0.1.0"
