"""Metadata stores: the SQL record of pipelines, runs, steps, artifacts and lineage."""
