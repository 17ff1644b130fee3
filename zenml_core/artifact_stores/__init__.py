"""Artifact stores: where step outputs live, written once and never changed."""
