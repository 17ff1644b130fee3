"""zenml-tensorflow: a Keras feed-forward trainer step and a Keras model materializer."""

__version__ = "0.1.0"
