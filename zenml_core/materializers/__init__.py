"""Materializers: how a Python value becomes files in an artifact folder, and back."""
