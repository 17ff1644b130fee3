"""zenml-aiplatform: Vertex AI pipelines and training jobs, and a GCS artifact store."""

__version__ = "0.1.0"
