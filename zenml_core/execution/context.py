"""What the step runner and orchestrators share during a run, and the status words."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from attrs import field, frozen

if TYPE_CHECKING:
    from zenml_core.materializers.registry import MaterializerRegistry
    from zenml_core.metadata_stores.records import ArtifactRecord, RunRecord, StepRunRecord
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.pipelines.spec import PipelineSpec
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.stack.stack import Stack


class RunStatus:
    RUNNING = "running"
    COMPLETED = "completed"
    FAILED = "failed"


class StepStatus:
    RUNNING = "running"
    COMPLETED = "completed"
    CACHED = "cached"
    FAILED = "failed"
    SKIPPED = "skipped"


@frozen
class RunContext:
    """Everything the step runner needs for one run, shared by its steps."""

    spec: PipelineSpec
    run_id: str
    run_name: str
    stack: Stack
    plugins: PluginManager
    materializers: MaterializerRegistry
    reporter: Reporter
    # Outputs of steps this process has finished, so downstream steps skip a query.
    known_outputs: dict[str, dict[str, ArtifactRecord]] = field(factory=dict)
    # Resuming: step name -> the earlier step run whose outputs this run reuses.
    reuse: dict[str, int] = field(factory=dict)
    # The steps called with .map (looked up for every input: a set, not a scan of the spec)
    mapped_steps: frozenset[str] = frozenset()
    # The run a step's reason compares with, looked up on first use (see baseline())
    _baseline: dict[str, Any] = field(factory=dict, alias="_baseline")

    @classmethod
    def create(
        cls,
        spec: PipelineSpec,
        run_id: str,
        run_name: str,
        stack: Stack,
        plugins: PluginManager,
        reporter: Reporter,
        reuse: dict[str, int] | None = None,
    ) -> RunContext:
        """A context with the materializers the plugins registered."""
        from zenml_core.materializers.registry import MaterializerRegistry

        return cls(
            spec=spec,
            run_id=run_id,
            run_name=run_name,
            stack=stack,
            plugins=plugins,
            materializers=MaterializerRegistry(plugins.registry.materializers),
            reporter=reporter,
            reuse=dict(reuse or {}),
            mapped_steps=frozenset(step.name for step in spec.steps if step.mapped),
        )

    @classmethod
    def for_record(cls, record: RunRecord, stack: Stack, plugins: PluginManager) -> RunContext:
        """A quiet context for a recorded run, to finish it from another process."""
        from zenml_core.orchestrators.reporting import Reporter
        from zenml_core.pipelines.spec import PipelineSpec

        spec = PipelineSpec.from_dict(record.spec)
        return cls.create(spec, record.id, record.name, stack, plugins, Reporter(quiet=True))

    def baseline(self, step_name: str) -> tuple[StepRunRecord | None, str | None]:
        """The step's record in the newest completed run of this pipeline, and that run's
        name: what :mod:`zenml_core.execution.explain` compares a step that runs with."""
        if "steps" not in self._baseline:
            from zenml_core.execution.explain import baseline_steps

            self._baseline["name"], self._baseline["steps"] = baseline_steps(
                self.stack.metadata_store, self.spec.name
            )
        return self._baseline["steps"].get(step_name), self._baseline["name"]

    def outputs_of(self, step_name: str) -> dict[str, ArtifactRecord]:
        known = self.known_outputs.get(step_name)
        if known is None:
            known = self.stack.metadata_store.step_outputs(self.run_id, step_name)
        return known


@frozen
class StepOutcome:
    """How one step ended."""

    step: str
    status: str  # completed | cached | failed | skipped
    step_run_id: int | None
    duration_ms: float
    started_at: datetime.datetime = field(
        factory=lambda: datetime.datetime.now(datetime.timezone.utc)
    )
    error: str | None = None
    error_detail: str | None = None  # the traceback, for the record
    cached_from: int | None = None
    cache_key: str | None = None
    cache_parts: dict[str, Any] | None = None  # what the key is made of (cache.key_parts)
    reason: str | None = None  # why the step ran instead of being reused
    parameters: dict[str, Any] = field(factory=dict)
    inputs: dict[str, ArtifactRecord] = field(factory=dict)
    outputs: dict[str, ArtifactRecord] = field(factory=dict)
    metadata: dict[str, Any] = field(factory=dict)
    # A plugin's step hook raised after the step ended (the step's record stands; the run
    # fails with this message).
    hook_error: str | None = None
