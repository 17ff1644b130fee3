"""The post-execution API: pipelines, runs, steps and artifacts, and the values they hold.

::

    client = Client()                       # the repository's active stack
    run = client.runs(pipeline="training")[0]
    model = run.steps["train"].output.load()
    producer = client.artifact(7).producer   # lineage: which step run wrote it
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from zenml_core.errors import AmbiguousOutputError
from zenml_core.execution.context import RunStatus
from zenml_core.metadata_stores.records import (
    ArtifactRecord,
    PipelineRecord,
    RunRecord,
    StepRunRecord,
)

RecordT = TypeVar("RecordT")

if TYPE_CHECKING:
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository
    from zenml_core.run_diff import RunDiff
    from zenml_core.stack.stack import Stack


class Client:
    """Reads the metadata store and artifact store of a stack."""

    def __init__(
        self,
        repository: Repository | None = None,
        *,
        stack: Stack | None = None,
        plugins: PluginManager | None = None,
        read_only: bool = False,
    ) -> None:
        """``read_only``: reading changes nothing, neither failing runs whose process died
        (``orphans()`` says which) nor closing runs that ended remotely (for run reports
        and the dashboard)."""
        if stack is None:
            from zenml_core.plugin.manager import create_plugin_manager
            from zenml_core.repository import Repository
            from zenml_core.stack.builder import load_stack

            repository = Repository.find() if repository is None else repository
            plugins = create_plugin_manager() if plugins is None else plugins
            stack = load_stack(repository, plugins=plugins)
        self.stack = stack
        self._repository = repository
        self._plugins = plugins
        self.read_only = read_only
        if read_only:
            stack.metadata_store.reap_on_read = False

    def _follow(self, records: list[RunRecord]) -> list[RunRecord]:
        """Close the runs among ``records`` that ended remotely (see
        :func:`zenml_core.execution.lifecycle.follow_remote_runs`)."""
        if self.read_only:
            return records
        from zenml_core.execution.lifecycle import follow_remote_runs

        followed: list[RunRecord] = follow_remote_runs(self.stack, records, self._plugins)
        return followed

    @property
    def metadata(self) -> Any:
        return self.stack.metadata_store

    def pipelines(self) -> list[PipelineRecord]:
        return self.metadata.list_pipelines()  # type: ignore[no-any-return]

    def runs(
        self, *, pipeline: str | None = None, status: str | None = None, limit: int | None = None
    ) -> list[PipelineRun]:
        """Runs, newest first."""
        if status is None:
            records = self._follow(self.metadata.list_runs(pipeline=pipeline, limit=limit))
        else:  # runs that ended remotely leave "running" before the filter applies
            self._follow(self.metadata.list_runs(status=RunStatus.RUNNING))
            records = self.metadata.list_runs(pipeline=pipeline, status=status, limit=limit)
        return [PipelineRun(self, record) for record in records]

    def run(self, id_or_name: str) -> PipelineRun:
        """One run by id or name; a run still going on remotely is asked about first."""
        (record,) = self._follow([self.metadata.get_run(id_or_name)])
        return PipelineRun(self, record)

    def diff(self, a: str | PipelineRun, b: str | PipelineRun) -> RunDiff:
        """What differs between run ``a`` and run ``b`` (references or runs): see
        :mod:`zenml_core.run_diff`."""
        from zenml_core.run_diff import diff_runs

        first = self.run(a) if isinstance(a, str) else a
        second = self.run(b) if isinstance(b, str) else b
        return diff_runs(first, second)

    def step_run(self, step_run_id: int) -> StepRun:
        return StepRun(self, self.metadata.get_step_run(step_run_id))

    def artifact(self, reference: int | str) -> Artifact:
        """An artifact by id, or by ``RUN/STEP/OUTPUT`` (``latest/train/model``; ``RUN/STEP``
        when the step has one output), RUN being any run reference ``runs show`` takes."""
        if isinstance(reference, int) or reference.isdigit():
            return Artifact(self, self.metadata.get_artifact(int(reference)))
        from zenml_core.errors import MetadataNotFoundError

        run_reference, _, rest = reference.partition("/")
        step_name, _, output = rest.partition("/")
        if not run_reference or not step_name:
            raise MetadataNotFoundError(
                f"artifact {reference!r}: give an artifact id or RUN/STEP/OUTPUT "
                "(e.g. latest/train/output)"
            )
        run = self.run(run_reference)
        step = run.steps.get(step_name)
        if step is None:
            raise MetadataNotFoundError(
                f"artifact {reference!r}: run {run.name!r} has no step {step_name!r} "
                f"(steps: {', '.join(run.steps) or 'none'})"
            )
        outputs = step.outputs
        if not output and len(outputs) == 1:
            output = next(iter(outputs))
        if output not in outputs:
            raise MetadataNotFoundError(
                f"artifact {reference!r}: step {step_name!r} of run {run.name!r} has "
                f"{'no output ' + repr(output) if output else 'several outputs'} "
                f"(outputs: {', '.join(outputs) or 'none'})"
            )
        return outputs[output]

    def resume(self, run: str, *, plugins: PluginManager | None = None) -> PipelineRun:
        """Start a new run that reuses the completed steps of failed run ``run``."""
        from zenml_core.pipelines.resume import resume
        from zenml_core.plugin.manager import create_plugin_manager

        plugins = plugins or self._plugins or create_plugin_manager()
        return resume(run, stack=self.stack, plugins=plugins, repository=self._repository)


class _View(Generic[RecordT]):
    """A record plus the client to follow its links; ``record`` holds every recorded field."""

    def __init__(self, client: Client, record: RecordT) -> None:
        self.client = client
        self.record = record

    @property
    def name(self) -> str:
        return str(self.record.name)  # type: ignore[attr-defined]

    @property
    def status(self) -> str:
        return str(self.record.status)  # type: ignore[attr-defined]


class PipelineRun(_View[RunRecord]):
    """One run of a pipeline."""

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def metadata(self) -> dict[str, dict[str, Any]]:
        """Metadata logged by the run's steps, by step name (steps that logged nothing left out)."""
        return {name: step.metadata for name, step in self.steps.items() if step.metadata}

    def upstream(self, step_names: Iterable[str] = ()) -> dict[str, list[str]]:
        """The steps each step waits for, from the recorded spec (empty for runs rebuilt
        without one); ``step_names`` adds recorded step runs the spec names only by their
        mapped step (``square[3]``)."""
        if not self.record.spec.get("steps"):
            return {}
        from zenml_core.pipelines.spec import PipelineSpec, map_item

        spec = PipelineSpec.from_dict(self.record.spec, source=f"run {self.name}")
        upstream = {step.name: step.upstream for step in spec.steps}
        for name in step_names:
            if name not in upstream and map_item(name) is not None:
                upstream[name] = spec.step(name).upstream
        return upstream

    @property
    def steps(self) -> dict[str, StepRun]:
        """Step runs by step name, in the order they were recorded."""
        records = self.client.metadata.list_step_runs(self.id)
        return {record.name: StepRun(self.client, record) for record in records}

    def __repr__(self) -> str:
        return f"<run {self.name} {self.status}>"


class StepRun(_View[StepRunRecord]):
    """One step's execution (or cache reuse, or skip) within a run."""

    @property
    def metadata(self) -> dict[str, Any]:
        """What the step logged with ``log_metadata`` (a cached step shows its source's)."""
        if self.record.cached_from is not None and not self.record.metadata:
            return self.client.step_run(self.record.cached_from).metadata
        return self.record.metadata

    @property
    def logs(self) -> str | None:
        """What the step's code printed and logged (None if nothing); a cached step shows its
        source's (see :mod:`zenml_core.execution.step_logs`)."""
        from zenml_core.execution.step_logs import read_step_log

        if self.record.cached_from is not None:
            return self.client.step_run(self.record.cached_from).logs
        run = self.client.metadata.get_run(self.record.run_id)
        store = self.client.stack.artifact_store
        return read_step_log(store, run.pipeline, run.id, self.record.name)

    @property
    def inputs(self) -> dict[str, Artifact]:
        records = self.client.metadata.step_run_inputs(self.record.id)
        return {name: Artifact(self.client, record) for name, record in records.items()}

    @property
    def outputs(self) -> dict[str, Artifact]:
        records = self.client.metadata.step_run_outputs(self.record.id)
        return {name: Artifact(self.client, record) for name, record in records.items()}

    @property
    def output(self) -> Artifact:
        """The only output (an error if the step has none or several)."""
        outputs = self.outputs
        if len(outputs) != 1:
            raise AmbiguousOutputError(
                f"step {self.name!r} has {len(outputs)} outputs "
                f"({', '.join(outputs) or 'none'}); use .outputs[name]"
            )
        return next(iter(outputs.values()))

    def __repr__(self) -> str:
        return f"<step run {self.name} {self.status}>"


class Artifact(_View[ArtifactRecord]):
    """A stored output; ``load()`` reads its value back."""

    @property
    def id(self) -> int:
        return self.record.id

    @property
    def uri(self) -> str:
        return self.record.uri

    @property
    def metadata(self) -> dict[str, Any]:
        """What the producing step logged for this output (``log_metadata(artifact_name=)``)."""
        return dict(self.record.metadata)

    @property
    def producer(self) -> StepRun | None:
        """The step run that wrote this artifact (lineage); None for a value passed into a
        run as ``ExternalArtifact(value)``."""
        producer = self.record.producer_id
        return None if producer is None else self.client.step_run(producer)

    def load(self) -> Any:
        from zenml_core.artifacts import load_artifact

        return load_artifact(self.client.stack.artifact_store, self.record)

    def __repr__(self) -> str:
        return f"<artifact {self.id} {self.record.type} at {self.uri}>"
