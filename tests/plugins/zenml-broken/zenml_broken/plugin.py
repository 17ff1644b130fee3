"""Imports a dependency that is not installed, like a plugin whose requirements went missing."""

import zenml_missing_dependency  # noqa: F401
