"""zenml-kubeflow: compile pipelines to Kubeflow Pipelines and run them."""

__version__ = "0.1.0"
