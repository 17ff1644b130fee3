"""The template plugin's tests use the fixtures of zenml-core's pytest plugin
(``zenml_project``, ``zenml_plugins``), loaded automatically."""
