"""The ``local`` orchestrator flavor: runs steps in this process."""

from __future__ import annotations

from attrs import frozen

from zenml_core.orchestrators.base import BaseOrchestrator


@frozen
class LocalOrchestratorConfig:
    """Configuration of the ``local`` orchestrator.

    ``workers``: how many independent steps may run at once (None: the number of cores).
    """

    workers: int | None = None


class LocalOrchestrator(BaseOrchestrator[LocalOrchestratorConfig]):
    """Runs every step in this process, independent steps concurrently."""
