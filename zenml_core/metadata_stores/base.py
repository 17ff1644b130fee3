"""Base class of metadata stores: the interface the step runner, orchestrators and Client use."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from zenml_core.metadata_stores.records import (
    ArtifactRecord,
    NewArtifact,
    PipelineRecord,
    RunRecord,
    ScheduleRecord,
    StepRunRecord,
)
from zenml_core.stack.component import ComponentKind, StackComponent

if TYPE_CHECKING:
    from zenml_core.manifests import RunManifest, StepManifest

ConfigT = TypeVar("ConfigT")


class BaseMetadataStore(StackComponent[ConfigT]):
    """Records pipelines, runs, step runs, artifacts and lineage.

    Every method is safe to call from several threads and several processes at once. The
    methods that record a step (``start_step``, ``complete_step``, ``record_cached_step``,
    ``fail_step``, ``skip_step``) raise :class:`~zenml_core.errors.RunClosedError` once the
    run has ended (closed, or reaped as orphaned).
    """

    KIND: ClassVar[ComponentKind] = ComponentKind.METADATA_STORE

    def local_folder(self) -> Path | None:
        """The folder on this machine that holds the store's files (containers here mount it
        at the same path), or None for a store reached over the network."""
        return None

    def reachable_elsewhere(self) -> bool:
        """Whether steps on other machines (a cluster, a cloud job) can open this store; if
        not they record via manifests, imported when the run ends."""
        return self.local_folder() is None

    def schema_version(self) -> int | None:
        """The schema version stored in the database, or None if it was never initialized."""
        raise NotImplementedError

    # -- writing a run ------------------------------------------------------------------------

    def create_run(
        self,
        *,
        run_id: str,
        name: str,
        pipeline: str,
        stack_name: str,
        stack: dict[str, Any],
        spec: dict[str, Any],
        parameters: dict[str, Any],
        git_commit: str | None,
        git_dirty: bool | None,
        host: str,
        pid: int,
        resumed_from: str | None = None,
        schedule: str | None = None,
    ) -> RunRecord:
        """Record a new run with status ``running`` (creating the pipeline on first use).

        A resume (``resumed_from``) is refused with :class:`~zenml_core.errors.ResumeError`,
        atomically, while another resume of the same run is running or once one completed."""
        raise NotImplementedError

    # -- schedules ----------------------------------------------------------------------------

    def create_schedule(
        self,
        *,
        name: str,
        pipeline: str,
        orchestrator: str,
        timing: dict[str, Any],
        spec: dict[str, Any],
        folder: str,
    ) -> ScheduleRecord:
        """Record a new schedule; a ScheduleError if one of that name exists."""
        raise NotImplementedError

    def list_schedules(self) -> list[ScheduleRecord]:
        """Every schedule, by name."""
        raise NotImplementedError

    def get_schedule(self, name: str) -> ScheduleRecord:
        """One schedule by name (MetadataNotFoundError naming the known ones)."""
        raise NotImplementedError

    def update_schedule(
        self, name: str, *, paused: bool | None = None, orchestrator_schedule_id: str | None = None
    ) -> None:
        raise NotImplementedError

    def delete_schedule(self, name: str) -> None:
        """Forget a schedule (its runs stay, still naming it)."""
        raise NotImplementedError

    # False: reads neither reap orphans nor change anything (run reports, the dashboard):
    # see :meth:`orphans` for what a reap would fail.
    reap_on_read: bool = True

    def reap_orphans(self) -> list[str]:
        """Mark runs whose process died ``failed`` (reason: orphaned); returns their ids."""
        raise NotImplementedError

    def orphans(self) -> dict[str, str]:
        """Runs still recorded ``running`` whose process is gone, and why: what
        :meth:`reap_orphans` would fail, found without writing."""
        raise NotImplementedError

    def set_orchestrator_run_id(
        self, run_id: str, orchestrator_run_id: str, *, released: bool = False
    ) -> None:
        """Note that a remote orchestrator runs this run under ``orchestrator_run_id``: the
        run is then followed through the orchestrator instead of reaped for silence.
        ``released``: this process stops following it; whoever reads it next may close it."""
        raise NotImplementedError

    def claim_run(self, run_id: str, quiet_for: datetime.timedelta) -> bool:
        """Atomically take a running run nobody has beaten for in ``quiet_for`` (marking it
        alive now), to close it; False if it ended or someone beat for it recently."""
        raise NotImplementedError

    def heartbeat(self, run_id: str) -> None:
        """Mark the run as still alive now."""
        raise NotImplementedError

    def finish_run(self, run_id: str, status: str, error: str | None = None) -> None:
        """End the run; steps still ``running`` are marked ``failed``. A run that ended
        already (reaped as orphaned) keeps its status and error."""
        raise NotImplementedError

    def start_step(
        self,
        run_id: str,
        name: str,
        parameters: dict[str, Any],
        cache_key: str | None,
        *,
        cache_parts: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> int:
        """Record a step run as ``running``, with its cache key's parts and why it runs;
        returns its id."""
        raise NotImplementedError

    def complete_step(
        self,
        step_run_id: int,
        outputs: list[NewArtifact],
        inputs: dict[str, int],
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, ArtifactRecord]:
        """Record the step's new output artifacts, input lineage and logged metadata, and mark
        it completed."""
        raise NotImplementedError

    def record_cached_step(
        self,
        run_id: str,
        name: str,
        parameters: dict[str, Any],
        cache_key: str,
        cached_from: int,
        inputs: dict[str, int],
        *,
        cache_parts: dict[str, Any] | None = None,
    ) -> int:
        """Record a ``cached`` step run whose outputs are those of step run ``cached_from``."""
        raise NotImplementedError

    def record_external_artifact(self, artifact: NewArtifact) -> int:
        """Record an artifact no step run produced (an ``ExternalArtifact`` value); its id."""
        raise NotImplementedError

    def fail_step(self, step_run_id: int, error: str, inputs: dict[str, int] | None = None) -> None:
        """Mark the step run failed with ``error``, recording the inputs it had read."""
        raise NotImplementedError

    def record_attempt(self, step_run_id: int, attempt: dict[str, Any]) -> None:
        """Add a failed attempt (its number, error and times) to a step run being retried."""
        raise NotImplementedError

    def skip_step(self, run_id: str, name: str, reason: str) -> int:
        """Record a step that did not run because a step it depends on failed."""
        raise NotImplementedError

    # -- importing manifests -------------------------------------------------------------------

    def restore_run(
        self,
        manifest: RunManifest,
        step_ids: dict[int, int],
        artifact_ids: dict[str, int],
        problems: list[str],
    ) -> tuple[int, int]:
        """Insert the run a run manifest describes, with its step runs, artifacts and links
        (``zenml metadata rebuild``).

        ``step_ids`` maps step run ids in manifests to the new ones, ``artifact_ids`` artifact
        URIs to new ids; both grow as runs are restored oldest first, so cached steps find
        the runs they reused. Returns the number of step runs and artifacts inserted.
        """
        raise NotImplementedError

    def restore_steps(
        self,
        run_id: str,
        run_name: str,
        steps: list[StepManifest],
        step_ids: dict[int, int],
        artifact_ids: dict[str, int],
        problems: list[str],
    ) -> tuple[int, int]:
        """Insert step runs described by step manifests into run ``run_id`` (see restore_run):
        steps that ran where this store could not be reached report this way. Artifacts are
        matched by URI, unique in a write-once store, so manifests written against different
        stores link up."""
        raise NotImplementedError

    # -- reading ------------------------------------------------------------------------------

    def artifact_uris(self) -> set[str]:
        """The URI of every recorded artifact (what garbage collection keeps)."""
        raise NotImplementedError

    def find_cached(self, cache_key: str) -> tuple[StepRunRecord, dict[str, ArtifactRecord]] | None:
        """The latest completed step run with ``cache_key`` and its outputs, if any."""
        raise NotImplementedError

    def step_outputs(self, run_id: str, step_name: str) -> dict[str, ArtifactRecord]:
        """Outputs of step ``step_name`` in run ``run_id`` (empty if it has none yet)."""
        raise NotImplementedError

    def list_pipelines(self) -> list[PipelineRecord]:
        raise NotImplementedError

    def list_runs(
        self, *, pipeline: str | None = None, status: str | None = None, limit: int | None = None
    ) -> list[RunRecord]:
        """Runs, newest first, optionally filtered."""
        raise NotImplementedError

    def get_run(self, id_or_name: str) -> RunRecord:
        """The run named by a reference, tried in this order: its exact name, its exact id,
        ``latest`` / ``latest~N`` (N runs before the newest), the unique start of a name or
        id. An ambiguous start is a MetadataNotFoundError listing the matches."""
        raise NotImplementedError

    def list_step_runs(self, run_id: str) -> list[StepRunRecord]:
        """The run's step runs in the order they started."""
        raise NotImplementedError

    def get_step_run(self, step_run_id: int) -> StepRunRecord:
        raise NotImplementedError

    def step_run_inputs(self, step_run_id: int) -> dict[str, ArtifactRecord]:
        raise NotImplementedError

    def step_run_outputs(self, step_run_id: int) -> dict[str, ArtifactRecord]:
        raise NotImplementedError

    def get_artifact(self, artifact_id: int) -> ArtifactRecord:
        raise NotImplementedError
