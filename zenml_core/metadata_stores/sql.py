"""The metadata store on a SQL database through peewee; SQLite (and later MySQL) subclass it."""

from __future__ import annotations

import contextlib
import datetime
import functools
import json
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from zenml_core.errors import (
    MetadataNotFoundError,
    MetadataStoreError,
    ResumeError,
    RunClosedError,
    SchemaVersionError,
    ZenMLError,
)
from zenml_core.execution.context import RunStatus, StepStatus
from zenml_core.execution.liveness import RELEASED, orphan_reason, process_started
from zenml_core.metadata_stores.base import BaseMetadataStore
from zenml_core.metadata_stores.records import (
    ArtifactRecord,
    NewArtifact,
    PipelineRecord,
    RunRecord,
    ScheduleRecord,
    StepRunRecord,
)

if TYPE_CHECKING:
    from zenml_core.manifests import ArtifactEntry, RunManifest, StepManifest

ConfigT = TypeVar("ConfigT")


def utcnow() -> datetime.datetime:
    """Naive UTC: what the database columns hold (peewee stores naive datetimes portably)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _aware(value: datetime.datetime | None) -> datetime.datetime | None:
    return None if value is None else value.replace(tzinfo=datetime.timezone.utc)


def parse_time(text: str | None) -> datetime.datetime | None:
    """Manifest timestamps (ISO, UTC) as the naive UTC datetimes the database holds."""
    if text is None:
        return None
    value = datetime.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value


def _as_datetime(value: Any) -> datetime.datetime:
    """Plain SQL on SQLite returns timestamps as text; MySQL returns datetimes."""
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.fromisoformat(str(value))


F = TypeVar("F", bound=Callable[..., Any])


def retrying(method: F) -> F:
    """Retry a write transaction whole when the database says to try again (lock timeout,
    deadlock, connection lost or killed).

    SQLite's busy timeout and MySQL's lock waits absorb most contention; this catches what
    still surfaces when several processes write at once, so users never see it. A lost
    connection can hide a commit that landed: before trying again, a method that has a
    ``_landed_<name>`` companion asks it whether its first attempt is already in the database
    and returns that instead, so a retry never duplicates a row or trips a unique key.
    """
    landed = f"_landed_{method.__name__}"

    @functools.wraps(method)
    def wrapper(self: SQLMetadataStore[Any], *args: Any, **kwargs: Any) -> Any:
        for attempt in range(8):
            try:
                if attempt and hasattr(self, landed):
                    done = getattr(self, landed)(*args, **kwargs)
                    if done is not None:
                        return done
                return method(self, *args, **kwargs)
            except Exception as exc:
                if attempt == 7 or not self._transient(exc):
                    raise
                with contextlib.suppress(Exception):  # the connection may be broken already
                    self.database.close()
                time.sleep(0.05 * 2**attempt * random.uniform(0.5, 1.5))
        raise AssertionError("unreachable")

    return wrapper  # type: ignore[return-value]


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _zenml_version() -> str:
    from zenml_core.version import __version__

    return __version__


class SQLMetadataStore(BaseMetadataStore[ConfigT]):
    """Implements the metadata store interface with peewee models built for one database."""

    DIALECT: ClassVar[str] = "sql"  # which migrations' statements apply (sqlite, mysql)
    ROW_LOCK: ClassVar[str] = ""  # what locks a selected row until the write commits

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._models: Any = None
        self._ready = False
        self._lock = threading.RLock()

    # -- connection -----------------------------------------------------------------------------

    def _connect(self) -> Any:
        """A peewee database object (not yet connected)."""
        raise NotImplementedError

    def _write_lock(self) -> Any:
        """The transaction to use for writes (SQLite takes its write lock up front)."""
        return self.models.Run._meta.database.atomic()

    @property
    def models(self) -> Any:
        if self._models is None:
            with self._lock:
                if self._models is None:
                    from zenml_core.metadata_stores.schema import build_models

                    self._models = build_models(self._connect())
        return self._models

    @property
    def database(self) -> Any:
        return self.models.Run._meta.database

    @contextmanager
    def _session(self, write: bool = False) -> Iterator[Any]:
        """A connection for this thread (opened on first use), in a transaction when writing.

        A failure of the database itself (damaged, full, read-only) becomes one line naming
        the store and the fix; what a retry can absorb is left for :func:`retrying`.
        """
        try:
            if not self._ready:
                self._ensure_schema()
            self.database.connect(reuse_if_open=True)
            if write:
                with self._write_lock():
                    yield self.models
            else:
                yield self.models
        except Exception as exc:
            if isinstance(exc, ZenMLError) or self._transient(exc):
                raise
            described = self._describe_failure(exc)
            if described is None:
                raise
            raise MetadataStoreError(described) from exc

    def _describe_failure(self, exc: BaseException) -> str | None:
        """One line for a failure of the database itself, or None for any other error."""
        return None

    def _execute(self, sql: str, params: tuple[Any, ...]) -> Any:
        """Run plain SQL (``?`` placeholders) on this thread's connection.

        The hot paths of a run use plain statements: building them with peewee's query
        objects cost more than the database work itself.
        """
        if self._param != "?":
            sql = sql.replace("?", self._param)
        return self.database.execute_sql(sql, tuple(self._adapt(value) for value in params))

    def _adapt(self, value: Any) -> Any:
        """A Python value as this database's driver should receive it."""
        return value

    def _transient(self, exc: BaseException) -> bool:
        """Whether ``exc`` means "try the transaction again" for this database."""
        return False

    @property
    def _param(self) -> str:
        return str(self.database.param)

    def initialize(self) -> None:
        """Create or upgrade the schema (idempotent); ``zenml init`` calls it."""
        self._ensure_schema()
        self.database.close()

    def _prepare(self) -> None:
        """Anything needed before the first connection (e.g. the SQLite file's folder)."""

    def _schema_lock(self) -> Any:
        """Held while creating or upgrading tables, so concurrent processes take turns."""
        return self._write_lock()

    def _ensure_schema(self) -> None:
        from zenml_core.metadata_stores.schema import SCHEMA_VERSION

        with self._lock:
            if self._ready:
                return
            self._prepare()
            self.database.connect(reuse_if_open=True)
            with self._schema_lock():
                version = self.schema_version()
                if version is None:
                    self._create_schema()
                elif version > SCHEMA_VERSION:
                    raise SchemaVersionError(
                        f"metadata store {self.name!r} has schema version {version}, but this "
                        f"zenml-core {_zenml_version()} understands versions up to "
                        f"{SCHEMA_VERSION}; upgrade zenml-core to use it"
                    )
                elif version < SCHEMA_VERSION:
                    self._upgrade(version)
            self._ready = True

    def _create_schema(self) -> None:
        from zenml_core.metadata_stores.schema import SCHEMA_VERSION

        self.database.create_tables(self.models.all, safe=True)
        self._record_version(SCHEMA_VERSION)

    def _record_version(self, version: int) -> None:
        self._execute(
            "INSERT INTO schema_version (version, applied_at, zenml_version) VALUES (?, ?, ?)",
            (version, utcnow(), _zenml_version()),
        )

    def _upgrade(self, version: int) -> None:
        """Apply the migrations after ``version`` in order."""
        from zenml_core.metadata_stores.schema import MIGRATIONS, SCHEMA_VERSION

        for target in range(version + 1, SCHEMA_VERSION + 1):
            MIGRATIONS[target](lambda statement: self._execute(statement, ()), self.DIALECT)
            self._record_version(target)

    def schema_version(self) -> int | None:
        import peewee

        self._prepare()
        self.database.connect(reuse_if_open=True)
        if not self.database.table_exists("schema_version"):
            return None
        version = self.models.SchemaVersion
        latest = version.select(peewee.fn.MAX(version.version)).scalar()
        return int(latest) if latest is not None else None

    # -- records --------------------------------------------------------------------------------

    def _run_record(self, row: Any) -> RunRecord:
        return RunRecord(
            id=row.id,
            name=row.name,
            pipeline=row.pipeline.name,
            status=row.status,
            started_at=_aware(row.started_at),  # type: ignore[arg-type]
            ended_at=_aware(row.ended_at),
            git_commit=row.git_commit,
            git_dirty=row.git_dirty,
            stack_name=row.stack_name,
            stack_json=row.stack,
            spec_json=row.spec,
            parameters_json=row.parameters,
            host=row.host,
            pid=row.pid,
            heartbeat_at=_aware(row.heartbeat_at),  # type: ignore[arg-type]
            error=row.error,
            resumed_from=row.resumed_from,
            orchestrator_run_id=row.orchestrator_run_id,
            schedule=row.schedule,
        )

    # -- writing a run --------------------------------------------------------------------------

    @retrying
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
        now = utcnow()
        with self._session(write=True) as m:
            if resumed_from is not None:
                self._refuse_second_resume(resumed_from)
            m.Pipeline.insert(name=pipeline, created_at=now).on_conflict_ignore().execute()
            pipeline_row = m.Pipeline.get(m.Pipeline.name == pipeline)
            m.Run.insert(
                id=run_id,
                name=name,
                pipeline=pipeline_row,
                status=RunStatus.RUNNING,
                started_at=now,
                git_commit=git_commit,
                git_dirty=git_dirty,
                stack_name=stack_name,
                stack=_dumps(stack),
                spec=_dumps(spec),
                parameters=_dumps(parameters),
                host=host,
                pid=pid,
                process_started=process_started(pid) if host == socket.gethostname() else None,
                heartbeat_at=now,
                resumed_from=resumed_from,
                schedule=schedule,
            ).execute()
        return self.get_run(run_id)

    def _refuse_second_resume(self, resumed_from: str) -> None:
        """Inside the write that records a resume: refuse if ``resumed_from`` has a resume
        running or completed. The resumed run's row is locked first, so of two concurrent
        resumes exactly one is recorded."""
        original = self._execute(
            f"SELECT name FROM run WHERE id = ?{self.ROW_LOCK}", (resumed_from,)
        ).fetchone()
        other = self._execute(
            "SELECT name, status FROM run WHERE resumed_from = ? AND status IN (?, ?)"
            " ORDER BY started_at LIMIT 1",
            (resumed_from, RunStatus.RUNNING, RunStatus.COMPLETED),
        ).fetchone()
        if other is None:
            return
        name = original[0] if original else resumed_from
        if other[1] == RunStatus.RUNNING:
            raise ResumeError(
                f"run {name} is being resumed by run {other[0]}, which is still running; "
                "wait for it (a run is resumed once at a time)"
            )
        raise ResumeError(
            f"run {name} was already resumed by run {other[0]}, which completed; there is "
            "nothing left to resume"
        )

    def _landed_create_run(self, *, run_id: str, **_: Any) -> RunRecord | None:
        try:
            return self.get_run(run_id)
        except MetadataNotFoundError:
            return None

    def _step_named(self, run_id: str, name: str) -> int | None:
        with self._session():
            row = self._execute(
                "SELECT id FROM step_run WHERE run_id = ? AND name = ?", (run_id, name)
            ).fetchone()
        return None if row is None else int(row[0])

    def _landed_start_step(self, run_id: str, name: str, *_: Any, **__: Any) -> int | None:
        return self._step_named(run_id, name)

    _landed_record_cached_step = _landed_start_step
    _landed_skip_step = _landed_start_step

    def _landed_complete_step(
        self, step_run_id: int, *_: Any, **__: Any
    ) -> dict[str, ArtifactRecord] | None:
        if self.get_step_run(step_run_id).status != StepStatus.COMPLETED:
            return None
        return self.step_run_outputs(step_run_id)

    @retrying
    def set_orchestrator_run_id(
        self, run_id: str, orchestrator_run_id: str, *, released: bool = False
    ) -> None:
        values: dict[Any, Any] = {self.models.Run.orchestrator_run_id: orchestrator_run_id}
        if released:
            values[self.models.Run.heartbeat_at] = RELEASED
        with self._session(write=True) as m:
            m.Run.update(values).where(m.Run.id == run_id).execute()

    @retrying
    def claim_run(self, run_id: str, quiet_for: datetime.timedelta) -> bool:
        """Take a running run whose heartbeat is older than ``quiet_for`` by beating for it now;
        False when it ended or beat recently (someone else is working on it)."""
        now = utcnow()
        with self._session(write=True):
            cursor = self._execute(
                "UPDATE run SET heartbeat_at = ? WHERE id = ? AND status = ? AND heartbeat_at < ?",
                (now, run_id, RunStatus.RUNNING, now - quiet_for),
            )
            return bool(cursor.rowcount)

    @retrying
    def heartbeat(self, run_id: str) -> None:
        with self._session(write=True) as m:
            m.Run.update(heartbeat_at=utcnow()).where(m.Run.id == run_id).execute()

    @retrying
    def finish_run(self, run_id: str, status: str, error: str | None = None) -> None:
        now = utcnow()
        with self._session(write=True) as m:
            m.StepRun.update(
                status=StepStatus.FAILED, ended_at=now, error="the run ended while it was running"
            ).where((m.StepRun.run == run_id) & (m.StepRun.status == StepStatus.RUNNING)).execute()
            # Only a running run: one reaped meanwhile stays as the reaper left it.
            m.Run.update(status=status, ended_at=now, heartbeat_at=now, error=error).where(
                (m.Run.id == run_id) & (m.Run.status == RunStatus.RUNNING)
            ).execute()

    @retrying
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
        import peewee

        with self._session(write=True):
            try:
                cursor = self._execute(
                    "INSERT INTO step_run (run_id, name, status, started_at, cache_key,"
                    " parameters, cache_parts, reason)"
                    f" SELECT ?, ?, ?, ?, ?, ?, ?, ? {self._WHILE_RUNNING}",
                    (
                        run_id,
                        name,
                        StepStatus.RUNNING,
                        utcnow(),
                        cache_key,
                        _dumps(parameters),
                        None if cache_parts is None else _dumps(cache_parts),
                        reason,
                        run_id,
                        RunStatus.RUNNING,
                    ),
                )
            except peewee.IntegrityError:  # the (run, name) row exists: a retry of a failure?
                retried = self._retry_of_failed(run_id, name, cache_key, parameters)
                if retried is None:
                    raise
                return retried
            if not cursor.rowcount:
                self._refuse(run_id=run_id)
            return int(cursor.lastrowid)

    def _retry_of_failed(
        self, run_id: str, name: str, cache_key: str | None, parameters: dict[str, Any]
    ) -> int | None:
        """An orchestrator retrying a failed step (Kubeflow's retry policy) starts it again in
        this run: its row is reused, the failed attempt kept in ``attempts``."""
        row = self._execute(
            "SELECT id, status, error, started_at, ended_at, attempts FROM step_run"
            " WHERE run_id = ? AND name = ?",
            (run_id, name),
        ).fetchone()
        if row is None or row[1] != StepStatus.FAILED:
            return None
        attempts = json.loads(row[5]) if row[5] else []
        attempts.append(
            {
                "attempt": len(attempts) + 1,
                "error": row[2],
                "started_at": str(row[3]),
                "ended_at": None if row[4] is None else str(row[4]),
            }
        )
        updated = self._execute(
            "UPDATE step_run SET status = ?, started_at = ?, ended_at = NULL, error = NULL,"
            " cache_key = ?, parameters = ?, attempts = ?"
            f" WHERE id = ? AND {self._RUN_IS_RUNNING}",
            (
                StepStatus.RUNNING,
                utcnow(),
                cache_key,
                _dumps(parameters),
                _dumps(attempts),
                row[0],
                RunStatus.RUNNING,
            ),
        )
        if not updated.rowcount:
            self._refuse(run_id=run_id)
        self._execute("DELETE FROM step_input WHERE step_run_id = ?", (row[0],))  # linked anew
        return int(row[0])

    @retrying
    def complete_step(
        self,
        step_run_id: int,
        outputs: list[NewArtifact],
        inputs: dict[str, int],
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, ArtifactRecord]:
        now = utcnow()
        created: dict[str, ArtifactRecord] = {}
        with self._session(write=True):
            # First, and only while the run is running: a reaped run takes no more records.
            updated = self._execute(
                "UPDATE step_run SET status = ?, ended_at = ?, metadata = ? WHERE id = ?"
                f" AND {self._RUN_IS_RUNNING}",
                (
                    StepStatus.COMPLETED, now, _dumps(metadata) if metadata else None,
                    step_run_id, RunStatus.RUNNING,
                ),
            )  # fmt: skip
            if not updated.rowcount:
                self._refuse(step_run_id=step_run_id)
            for output in outputs:
                artifact_id = self._insert_artifact(output, step_run_id, now)
                created[output.output_name] = ArtifactRecord(
                    id=artifact_id,
                    uri=output.uri,
                    type=output.type,
                    materializer=output.materializer,
                    size=output.size,
                    content_hash=output.content_hash,
                    producer_id=step_run_id,
                    output_name=output.output_name,
                    created_at=_aware(now),  # type: ignore[arg-type]
                )
            self._link("step_output", step_run_id, {n: a.id for n, a in created.items()})
            self._link("step_input", step_run_id, inputs)
        return created

    # Step records are written only while their run is running (one statement, no extra
    # query): a worker of a run reaped as failed must stop, not write ``completed`` into it.
    _WHILE_RUNNING = "FROM run WHERE id = ? AND status = ?"
    _RUN_IS_RUNNING = "run_id IN (SELECT id FROM run WHERE status = ?)"

    def _refuse(self, *, run_id: str | None = None, step_run_id: int | None = None) -> None:
        """Why a conditional step write changed nothing: the run ended (or does not exist)."""
        if run_id is None:
            row = self._execute(
                "SELECT r.id, r.status, r.error FROM run r JOIN step_run s ON s.run_id = r.id"
                " WHERE s.id = ?",
                (step_run_id,),
            ).fetchone()
        else:
            row = self._execute(
                "SELECT id, status, error FROM run WHERE id = ?", (run_id,)
            ).fetchone()
        if row is None:
            what = f"run {run_id}" if run_id is not None else f"step run {step_run_id}"
            raise MetadataNotFoundError(f"no {what} in metadata store {self.name!r}")
        if row[1] == RunStatus.RUNNING:
            return  # MySQL counts an update that changed no value as no row: nothing refused
        reason = f" ({row[2]})" if row[2] else ""
        raise RunClosedError(
            f"run {row[0]} already ended {row[1]}{reason}; it records no more steps"
        )

    def record_external_artifact(self, artifact: NewArtifact) -> int:
        with self._session(write=True):
            return self._insert_artifact(artifact, None, utcnow())

    def _insert_artifact(
        self, artifact: NewArtifact, producer: int | None, created_at: datetime.datetime
    ) -> int:
        cursor = self._execute(
            "INSERT INTO artifact (uri, type, materializer, size, content_hash, producer_id,"
            " output_name, created_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                artifact.uri,
                artifact.type,
                artifact.materializer,
                artifact.size,
                artifact.content_hash,
                producer,
                artifact.output_name,
                created_at,
                _dumps(artifact.metadata) if artifact.metadata else None,
            ),
        )
        return int(cursor.lastrowid)

    def _link(self, table: str, step_run_id: int, artifacts: dict[str, int]) -> None:
        for name, artifact_id in artifacts.items():
            self._execute(
                f"INSERT INTO {table} (step_run_id, artifact_id, name) VALUES (?, ?, ?)",
                (step_run_id, artifact_id, name),
            )

    @retrying
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
        now = utcnow()
        with self._session(write=True):
            cursor = self._execute(
                "INSERT INTO step_run (run_id, name, status, started_at, ended_at, cache_key,"
                " cached_from_id, parameters, cache_parts)"
                f" SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? {self._WHILE_RUNNING}",
                (
                    run_id,
                    name,
                    StepStatus.CACHED,
                    now,
                    now,
                    cache_key,
                    cached_from,
                    _dumps(parameters),
                    None if cache_parts is None else _dumps(cache_parts),
                    run_id,
                    RunStatus.RUNNING,
                ),
            )
            if not cursor.rowcount:
                self._refuse(run_id=run_id)
            step_run_id = int(cursor.lastrowid)
            self._execute(
                "INSERT INTO step_output (step_run_id, artifact_id, name)"
                " SELECT ?, artifact_id, name FROM step_output WHERE step_run_id = ?",
                (step_run_id, cached_from),
            )
            self._link("step_input", step_run_id, inputs)
        return step_run_id

    @retrying
    def fail_step(self, step_run_id: int, error: str, inputs: dict[str, int] | None = None) -> None:
        with self._session(write=True):
            updated = self._execute(
                "UPDATE step_run SET status = ?, ended_at = ?, error = ? WHERE id = ?"
                f" AND {self._RUN_IS_RUNNING}",
                (StepStatus.FAILED, utcnow(), error, step_run_id, RunStatus.RUNNING),
            )
            if not updated.rowcount:
                self._refuse(step_run_id=step_run_id)
            self._link("step_input", step_run_id, inputs or {})

    @retrying
    def record_attempt(self, step_run_id: int, attempt: dict[str, Any]) -> None:
        with self._session(write=True):
            row = self._execute(
                "SELECT attempts FROM step_run WHERE id = ?", (step_run_id,)
            ).fetchone()
            attempts = json.loads(row[0]) if row and row[0] else []
            attempts.append(attempt)
            updated = self._execute(
                f"UPDATE step_run SET attempts = ? WHERE id = ? AND {self._RUN_IS_RUNNING}",
                (_dumps(attempts), step_run_id, RunStatus.RUNNING),
            )
            if not updated.rowcount:
                self._refuse(step_run_id=step_run_id)

    @retrying
    def skip_step(self, run_id: str, name: str, reason: str) -> int:
        now = utcnow()
        with self._session(write=True):
            cursor = self._execute(
                "INSERT INTO step_run (run_id, name, status, started_at, ended_at, parameters,"
                f" error) SELECT ?, ?, ?, ?, ?, ?, ? {self._WHILE_RUNNING}",
                (
                    run_id,
                    name,
                    StepStatus.SKIPPED,
                    now,
                    now,
                    "{}",
                    reason,
                    run_id,
                    RunStatus.RUNNING,
                ),
            )
            if not cursor.rowcount:
                self._refuse(run_id=run_id)
            return int(cursor.lastrowid)

    def restore_run(
        self,
        manifest: RunManifest,
        step_ids: dict[int, int],
        artifact_ids: dict[str, int],
        problems: list[str],
    ) -> tuple[int, int]:
        started = parse_time(manifest.started_at) or utcnow()
        ended = parse_time(manifest.ended_at) or started
        with self._session(write=True) as m:
            m.Pipeline.insert(
                name=manifest.pipeline, created_at=started
            ).on_conflict_ignore().execute()
            pipeline_id = m.Pipeline.get(m.Pipeline.name == manifest.pipeline).id
            self._execute(
                "INSERT INTO run (id, name, pipeline_id, status, started_at, ended_at, git_commit,"
                " git_dirty, stack_name, stack, spec, parameters, host, pid, heartbeat_at, error,"
                " resumed_from, orchestrator_run_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    manifest.run_id,
                    manifest.name,
                    pipeline_id,
                    manifest.status,
                    started,
                    ended,
                    manifest.git_commit,
                    manifest.git_dirty,
                    manifest.stack_name,
                    _dumps(manifest.stack),
                    _dumps(manifest.spec),
                    _dumps(manifest.parameters),
                    manifest.host,
                    manifest.pid,
                    ended,
                    manifest.error,
                    manifest.resumed_from,
                    manifest.orchestrator_run_id,
                ),
            )
        return self.restore_steps(
            manifest.run_id, manifest.name, manifest.steps, step_ids, artifact_ids, problems,
            default_time=ended,
        )  # fmt: skip

    @retrying
    def restore_steps(
        self,
        run_id: str,
        run_name: str,
        steps: list[StepManifest],
        step_ids: dict[int, int],
        artifact_ids: dict[str, int],
        problems: list[str],
        *,
        default_time: datetime.datetime | None = None,
    ) -> tuple[int, int]:
        default_time = default_time or utcnow()
        new_artifacts = 0
        with self._session(write=True):
            steps = sorted(steps, key=lambda step: step.step_run_id or 0)
            for step in steps:
                ended = parse_time(step.ended_at) or default_time
                cursor = self._execute(
                    "INSERT INTO step_run (run_id, name, status, started_at, ended_at, cache_key,"
                    " cached_from_id, parameters, error, metadata, cache_parts, reason)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        run_id,
                        step.step,
                        step.status,
                        parse_time(step.started_at) or default_time,
                        ended,
                        step.cache_key,
                        step_ids.get(step.cached_from_step_run or -1),
                        _dumps(step.parameters),
                        step.error,
                        _dumps(step.metadata) if step.metadata else None,
                        _dumps(step.cache_parts) if step.cache_parts else None,
                        step.reason,
                    ),
                )
                new_step = int(cursor.lastrowid)
                if step.step_run_id is not None:
                    step_ids[step.step_run_id] = new_step
                outputs: dict[str, int] = {}
                for name, artifact in step.outputs.items():
                    if artifact.uri not in artifact_ids:
                        producer = step_ids.get(artifact.producer_step_run or -1)
                        if producer is None:
                            problems.append(
                                f"run {run_name}, step {step.step}: output {name!r} "
                                f"comes from a step run with no manifest; left out"
                            )
                            continue
                        artifact_ids[artifact.uri] = self._insert_artifact(
                            _new_artifact(artifact, artifact.output_name or name), producer, ended
                        )
                        new_artifacts += 1
                    outputs[name] = artifact_ids[artifact.uri]
                for artifact in step.inputs.values():
                    if artifact.uri not in artifact_ids and artifact.producer_step_run is None:
                        # a value passed in as ExternalArtifact: an artifact of no step
                        artifact_ids[artifact.uri] = self._insert_artifact(
                            _new_artifact(artifact, artifact.output_name), None, ended
                        )
                        new_artifacts += 1
                inputs = {
                    name: artifact_ids[artifact.uri]
                    for name, artifact in step.inputs.items()
                    if artifact.uri in artifact_ids
                }
                self._link("step_output", new_step, outputs)
                self._link("step_input", new_step, inputs)
        return len(steps), new_artifacts

    # -- reading --------------------------------------------------------------------------------

    _ARTIFACT_COLUMNS = (
        "a.id, a.uri, a.type, a.materializer, a.size, a.content_hash, a.producer_id,"
        " a.output_name, a.created_at, a.metadata"
    )
    _STEP_COLUMNS = (
        "s.id, s.run_id, s.name, s.status, s.started_at, s.ended_at, s.cache_key,"
        " s.cached_from_id, s.parameters, s.error, s.metadata, s.cache_parts, s.reason,"
        " s.attempts"
    )

    @staticmethod
    def _artifact_from(row: Any) -> ArtifactRecord:
        return ArtifactRecord(
            id=row[0],
            uri=row[1],
            type=row[2],
            materializer=row[3],
            size=row[4],
            content_hash=row[5],
            producer_id=row[6],
            output_name=row[7],
            created_at=_aware(_as_datetime(row[8])),  # type: ignore[arg-type]
            metadata=json.loads(row[9]) if row[9] else {},
        )

    @staticmethod
    def _step_from(row: Any) -> StepRunRecord:
        return StepRunRecord(
            id=row[0],
            run_id=row[1],
            name=row[2],
            status=row[3],
            started_at=_aware(_as_datetime(row[4])),  # type: ignore[arg-type]
            ended_at=None if row[5] is None else _aware(_as_datetime(row[5])),
            cache_key=row[6],
            cached_from=row[7],
            parameters=json.loads(row[8]),
            error=row[9],
            metadata=json.loads(row[10]) if row[10] else {},
            cache_parts=json.loads(row[11]) if row[11] else None,
            reason=row[12],
            attempts=json.loads(row[13]) if row[13] else [],
        )

    def _linked_artifacts(
        self, link: str, where: str, params: tuple[Any, ...]
    ) -> dict[str, ArtifactRecord]:
        """Artifacts linked through ``link`` (step_output or step_input) to the step runs
        (``s``) that ``where`` picks, by link name."""
        cursor = self._execute(
            f"SELECT l.name, {self._ARTIFACT_COLUMNS} FROM {link} l"
            " JOIN artifact a ON a.id = l.artifact_id"
            f" JOIN step_run s ON s.id = l.step_run_id WHERE {where}",
            params,
        )
        return {row[0]: self._artifact_from(row[1:]) for row in cursor.fetchall()}

    def _step_rows(self, where: str, params: tuple[Any, ...]) -> list[StepRunRecord]:
        cursor = self._execute(
            f"SELECT {self._STEP_COLUMNS} FROM step_run s WHERE {where} ORDER BY s.id", params
        )
        return [self._step_from(row) for row in cursor.fetchall()]

    def artifact_uris(self) -> set[str]:
        with self._session():
            return {row[0] for row in self._execute("SELECT uri FROM artifact", ()).fetchall()}

    def find_cached(self, cache_key: str) -> tuple[StepRunRecord, dict[str, ArtifactRecord]] | None:
        # one query for the step and its outputs: every step of a cached re-run asks
        with self._session():
            rows = self._execute(
                f"SELECT {self._STEP_COLUMNS}, l.name, {self._ARTIFACT_COLUMNS} FROM step_run s"
                " LEFT JOIN step_output l ON l.step_run_id = s.id"
                " LEFT JOIN artifact a ON a.id = l.artifact_id"
                " WHERE s.id = (SELECT MAX(id) FROM step_run WHERE cache_key = ? AND status = ?)",
                (cache_key, StepStatus.COMPLETED),
            ).fetchall()
        if not rows:
            return None
        width = self._STEP_COLUMNS.count(",") + 1
        outputs = {
            row[width]: self._artifact_from(row[width + 1 :])
            for row in rows
            if row[width] is not None
        }
        return self._step_from(rows[0][:width]), outputs

    def step_outputs(self, run_id: str, step_name: str) -> dict[str, ArtifactRecord]:
        with self._session():
            return self._linked_artifacts(
                "step_output", "s.run_id = ? AND s.name = ?", (run_id, step_name)
            )

    def list_pipelines(self) -> list[PipelineRecord]:
        import peewee

        with self._session() as m:
            query = (
                m.Pipeline.select(m.Pipeline, peewee.fn.COUNT(m.Run.id).alias("run_count"))
                .join(m.Run, peewee.JOIN.LEFT_OUTER)
                .group_by(m.Pipeline.id)
                .order_by(m.Pipeline.name)
            )
            return [
                PipelineRecord(name=row.name, created_at=_aware(row.created_at), runs=row.run_count)  # type: ignore[arg-type]
                for row in query
            ]

    # -- schedules ------------------------------------------------------------------------------

    @staticmethod
    def _schedule_record(row: Any) -> ScheduleRecord:
        return ScheduleRecord(
            id=row.id,
            name=row.name,
            pipeline=row.pipeline,
            orchestrator=row.orchestrator,
            timing=json.loads(row.timing),
            spec_json=row.spec,
            folder=row.folder,
            paused=bool(row.paused),
            created_at=_aware(row.created_at),  # type: ignore[arg-type]
            orchestrator_schedule_id=row.orchestrator_schedule_id,
        )

    @retrying
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
        import peewee

        from zenml_core.errors import ScheduleError

        try:
            with self._session(write=True) as m:
                m.Schedule.insert(
                    name=name, pipeline=pipeline, orchestrator=orchestrator,
                    timing=_dumps(timing), spec=_dumps(spec), folder=folder, paused=False,
                    created_at=utcnow(),
                ).execute()  # fmt: skip
        except peewee.IntegrityError:
            raise ScheduleError(
                f"a schedule named {name!r} exists; choose another name, or `zenml schedules "
                f"delete {name}` first"
            ) from None
        return self.get_schedule(name)

    def list_schedules(self) -> list[ScheduleRecord]:
        with self._session() as m:
            rows = m.Schedule.select().order_by(m.Schedule.name)
            return [self._schedule_record(row) for row in rows]

    def get_schedule(self, name: str) -> ScheduleRecord:
        with self._session() as m:
            row = m.Schedule.get_or_none(m.Schedule.name == name)
            if row is None:
                known = [r.name for r in m.Schedule.select(m.Schedule.name)]
                raise MetadataNotFoundError(
                    f"no schedule named {name!r} (schedules: {', '.join(known) or 'none'})"
                )
            return self._schedule_record(row)

    @retrying
    def update_schedule(
        self, name: str, *, paused: bool | None = None, orchestrator_schedule_id: str | None = None
    ) -> None:
        changes: dict[str, Any] = {}
        if paused is not None:
            changes["paused"] = paused
        if orchestrator_schedule_id is not None:
            changes["orchestrator_schedule_id"] = orchestrator_schedule_id
        if not changes:
            return
        with self._session(write=True) as m:
            m.Schedule.update(**changes).where(m.Schedule.name == name).execute()

    @retrying
    def delete_schedule(self, name: str) -> None:
        self.get_schedule(name)  # an unknown name is an error naming the known ones
        with self._session(write=True) as m:
            m.Schedule.delete().where(m.Schedule.name == name).execute()

    @retrying
    def reap_orphans(self) -> list[str]:
        """Fail runs whose process is gone: dead on this host (or its pid now another
        process's), or, on another host, silent for ORPHAN_AFTER.

        Every read of runs calls this, so a killed run shows ``failed`` at the next look
        instead of ``running`` forever. A run whose process is alive here is never reaped,
        however long it is silent (paused, swapping, in a debugger). Returns the ids of the
        runs it failed.
        """
        now = utcnow()
        reaped = []
        for run_id, reason in self.orphans().items():
            with self._session(write=True):
                changed = self._execute(
                    "UPDATE run SET status = ?, ended_at = ?, error = ?"
                    " WHERE id = ? AND status = ?",
                    (RunStatus.FAILED, now, reason, run_id, RunStatus.RUNNING),
                ).rowcount
                if changed:
                    self._execute(
                        "UPDATE step_run SET status = ?, ended_at = ?, error = ?"
                        " WHERE run_id = ? AND status = ?",
                        (StepStatus.FAILED, now, reason, run_id, StepStatus.RUNNING),
                    )
                    reaped.append(run_id)
        return reaped

    def orphans(self) -> dict[str, str]:
        now = utcnow()
        with self._session():
            rows = self._execute(
                "SELECT id, host, pid, process_started, heartbeat_at FROM run"
                " WHERE status = ? AND orchestrator_run_id IS NULL",
                (RunStatus.RUNNING,),
            ).fetchall()
        found = {}
        for run_id, host, pid, started, heartbeat_at in rows:
            reason = orphan_reason(host, pid, started, now - _as_datetime(heartbeat_at))
            if reason is not None:
                found[run_id] = reason
        return found

    def list_runs(
        self, *, pipeline: str | None = None, status: str | None = None, limit: int | None = None
    ) -> list[RunRecord]:
        if self.reap_on_read:
            self.reap_orphans()
        with self._session() as m:
            query = m.Run.select(m.Run, m.Pipeline).join(m.Pipeline)
            if pipeline is not None:
                query = query.where(m.Pipeline.name == pipeline)
            if status is not None:
                query = query.where(m.Run.status == status)
            query = query.order_by(m.Run.started_at.desc(), m.Run.id.desc())
            if limit is not None:
                query = query.limit(limit)
            return [self._run_record(row) for row in query]

    def get_run(self, id_or_name: str) -> RunRecord:
        if self.reap_on_read:
            self.reap_orphans()
        reference = id_or_name
        with self._session() as m:
            runs = m.Run.select(m.Run, m.Pipeline).join(m.Pipeline)
            row = (
                runs.where(m.Run.name == reference).first()
                or runs.where(m.Run.id == reference).first()
            )
            latest = re.fullmatch(r"latest(?:~(\d+))?", reference)
            if row is None and latest:
                newest_first = runs.order_by(m.Run.started_at.desc(), m.Run.id.desc())
                row = newest_first.offset(int(latest[1] or 0)).first()
            if row is None and reference and not latest:
                row = self._run_by_prefix(m, runs, reference)
            if row is None:
                raise MetadataNotFoundError(
                    f"no run with id or name {reference!r}; see `zenml runs list`"
                )
            return self._run_record(row)

    @staticmethod
    def _run_by_prefix(m: Any, runs: Any, prefix: str) -> Any:
        """The one run whose name or id starts with ``prefix`` (indexed range queries)."""
        above = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        found: dict[str, Any] = {}
        for column in (m.Run.name, m.Run.id):
            for row in runs.where((column >= prefix) & (column < above)).limit(11):
                found[row.id] = row
        if len(found) > 1:
            names = sorted(row.name for row in found.values())
            shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
            raise MetadataNotFoundError(
                f"{prefix!r} is the start of several runs ({shown}); give more of the name"
            )
        return next(iter(found.values()), None)

    def list_step_runs(self, run_id: str) -> list[StepRunRecord]:
        with self._session():
            return self._step_rows("s.run_id = ?", (run_id,))

    def get_step_run(self, step_run_id: int) -> StepRunRecord:
        with self._session():
            found = self._step_rows("s.id = ?", (step_run_id,))
        if not found:
            raise MetadataNotFoundError(f"no step run with id {step_run_id}")
        return found[0]

    def step_run_inputs(self, step_run_id: int) -> dict[str, ArtifactRecord]:
        with self._session():
            return self._linked_artifacts("step_input", "s.id = ?", (step_run_id,))

    def step_run_outputs(self, step_run_id: int) -> dict[str, ArtifactRecord]:
        with self._session():
            return self._linked_artifacts("step_output", "s.id = ?", (step_run_id,))

    def get_artifact(self, artifact_id: int) -> ArtifactRecord:
        with self._session():
            row = self._execute(
                f"SELECT {self._ARTIFACT_COLUMNS} FROM artifact a WHERE a.id = ?", (artifact_id,)
            ).fetchone()
        if row is None:
            raise MetadataNotFoundError(
                f"no artifact with id {artifact_id}; see `zenml runs show RUN`"
            )
        return self._artifact_from(row)


def _new_artifact(entry: ArtifactEntry, output_name: str) -> NewArtifact:
    """An artifact a manifest describes, to insert again."""
    return NewArtifact(
        output_name=output_name,
        uri=entry.uri,
        type=entry.type,
        materializer=entry.materializer,
        size=entry.size,
        content_hash=entry.content_hash,
        metadata=entry.metadata,
    )
