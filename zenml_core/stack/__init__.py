"""Stacks: the artifact store, metadata store, orchestrator and optional backends of a run."""
