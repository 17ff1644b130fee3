"""Plain, frozen records that the metadata store returns: no database objects leak out."""

from __future__ import annotations

import datetime
import json
from functools import cached_property
from typing import Any

from attrs import field, frozen


@frozen
class PipelineRecord:
    name: str
    created_at: datetime.datetime
    runs: int


@frozen
class RunRecord:
    id: str
    name: str
    pipeline: str
    status: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    git_commit: str | None
    git_dirty: bool | None
    stack_name: str
    # The stack document, spec and parameters as stored (JSON text), parsed when first read:
    # listing runs does not parse what it does not show.
    stack_json: str = field(repr=False)
    spec_json: str = field(repr=False)
    parameters_json: str = field(repr=False)
    host: str
    pid: int
    heartbeat_at: datetime.datetime
    error: str | None
    resumed_from: str | None = None
    orchestrator_run_id: str | None = None
    schedule: str | None = None  # the schedule that started the run (schema version 10)

    @cached_property
    def stack(self) -> dict[str, Any]:
        return json.loads(self.stack_json)  # type: ignore[no-any-return]

    @cached_property
    def spec(self) -> dict[str, Any]:
        return json.loads(self.spec_json)  # type: ignore[no-any-return]

    @cached_property
    def parameters(self) -> dict[str, Any]:
        return json.loads(self.parameters_json)  # type: ignore[no-any-return]


@frozen
class StepRunRecord:
    id: int
    run_id: str
    name: str
    status: str
    started_at: datetime.datetime
    ended_at: datetime.datetime | None
    cache_key: str | None
    cached_from: int | None
    parameters: dict[str, Any]
    error: str | None
    metadata: dict[str, Any] = field(factory=dict)
    # The cache key's parts (see execution.cache.key_parts) and why the step ran rather than being
    # reused; None for steps recorded before schema version 5.
    cache_parts: dict[str, Any] | None = None
    reason: str | None = None
    # Failed attempts of a retried step, oldest first: {"attempt", "error", "started_at",
    # "ended_at"}; the step run's own status and error are those of its last attempt.
    attempts: list[dict[str, Any]] = field(factory=list)


@frozen
class ArtifactRecord:
    id: int
    uri: str
    type: str
    materializer: str
    size: int
    content_hash: str
    producer_id: int | None  # None: a value passed in (ExternalArtifact), made by no step
    output_name: str
    created_at: datetime.datetime
    metadata: dict[str, Any] = field(factory=dict)  # what the step logged for this output


@frozen
class NewArtifact:
    """An output just written to the artifact store, to be recorded."""

    output_name: str
    uri: str
    type: str
    materializer: str
    size: int
    content_hash: str
    metadata: dict[str, Any] = field(factory=dict)


@frozen
class ScheduleRecord:
    """A pipeline run on a schedule: ``timing`` holds ``cron`` or ``interval_seconds``,
    ``timezone``, ``start``, ``end`` (ISO text or None) and ``catchup``; the spec and a copy of
    the project's files (``folder``) were pinned when the schedule was created."""

    id: int
    name: str
    pipeline: str
    orchestrator: str
    timing: dict[str, Any]
    spec_json: str = field(repr=False)
    folder: str
    paused: bool
    created_at: datetime.datetime
    orchestrator_schedule_id: str | None = None
