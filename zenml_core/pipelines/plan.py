"""``pipeline.plan()`` / ``zenml pipeline plan``: what a run would reuse and what it would run,
and why, without running anything.

The steps are walked in the spec's order (producers before consumers). A step whose inputs
are all known (external artifacts, or outputs of steps that will be reused) gets its cache
key computed exactly as the run would compute it, and is looked up in the metadata store;
when nothing usable matches, :mod:`zenml_core.execution.explain` names what differs from its
baseline. A step fed by a step that will run will run too: its inputs do not exist yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import asdict, evolve, frozen

from zenml_core.pipelines.external import VALUE_PREFIX

if TYPE_CHECKING:
    from zenml_core.metadata_stores.records import ArtifactRecord
    from zenml_core.pipelines.spec import PipelineSpec, StepSpec
    from zenml_core.stack.stack import Stack


class Action:
    REUSE = "reuse"
    RUN = "run"
    UNDECIDED = "decided during the run"


@frozen
class PlannedStep:
    """One step of a plan: ``action`` (reuse / run / decided during the run) and why."""

    step: str
    action: str
    reason: str
    cached_from_run: str | None = None  # the run whose result is reused
    cached_from_step_run: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def plan_spec(spec: PipelineSpec, stack: Stack) -> list[PlannedStep]:
    """The plan of ``spec`` on ``stack`` (its metadata and artifact stores)."""
    planner = _Planner(spec, stack)
    return [planner.step(step_spec) for step_spec in spec.steps]


class _Planner:
    def __init__(self, spec: PipelineSpec, stack: Stack) -> None:
        from zenml_core.execution.explain import baseline_steps

        self.spec, self.stack = spec, stack
        self.metadata = stack.metadata_store
        self.baseline_run, self.baseline = baseline_steps(self.metadata, spec.name)
        self.outputs: dict[str, dict[str, ArtifactRecord]] = {}  # of steps to be reused
        self.actions: dict[str, str] = {}
        self._run_names: dict[str, str] = {}

    def step(self, step_spec: StepSpec) -> PlannedStep:
        planned = self._plan(step_spec)
        self.actions[step_spec.name] = planned.action
        condition = step_spec.when
        if condition is not None and planned.action != Action.REUSE:
            shown = f"output {condition.output!r} of step {condition.step!r}"
            if condition.predicate:
                shown = f"{condition.predicate.rpartition(':')[2]}({shown})"
            planned = evolve(planned, reason=f"{planned.reason}; only if {shown} is true")
        return planned

    def _plan(self, step_spec: StepSpec) -> PlannedStep:
        name = step_spec.name
        if not self.spec.caching(step_spec):
            return PlannedStep(name, Action.RUN, "caching is off for this step")
        inputs_or_reason = self._inputs(step_spec)
        if isinstance(inputs_or_reason, tuple):
            return PlannedStep(name, *inputs_or_reason)
        inputs = inputs_or_reason
        if step_spec.mapped:
            return PlannedStep(
                name,
                Action.UNDECIDED,
                "a mapped step: each item is checked when the run splits its lists",
            )
        from zenml_core.artifacts import unusable_reason
        from zenml_core.execution.cache import cache_key, code_kinds, step_cache_parts
        from zenml_core.execution.explain import why_it_runs
        from zenml_core.execution.step_runner import instantiate

        step = instantiate(step_spec)
        parts = step_cache_parts(step, step_spec, inputs)
        found = self.metadata.find_cached(cache_key(parts))
        if found is not None:
            record, outputs = found
            unusable = unusable_reason(self.stack.artifact_store, outputs)
            if unusable is None:
                self.outputs[name] = outputs
                run = self._run_name(record.run_id)
                return PlannedStep(name, Action.REUSE, f"unchanged since run {run}", run, record.id)
            return PlannedStep(name, Action.RUN, unusable)
        producers = {key: wire.step for key, wire in step_spec.inputs.items() if wire.step}
        reason = why_it_runs(
            parts,
            self.baseline.get(name),
            self.baseline_run,
            kinds=code_kinds(step.code_object),
            producers=producers,
        )
        return PlannedStep(name, Action.RUN, reason)

    def _inputs(self, step_spec: StepSpec) -> dict[str, ArtifactRecord] | tuple[str, str]:
        """The step's input artifacts, or (action, reason) when they are not known yet."""
        inputs: dict[str, ArtifactRecord] = {}
        waiting: list[tuple[str, str, str]] = []  # (input, producer, its action)
        for input_name, wire in step_spec.inputs.items():
            if wire.external:
                if wire.external.startswith(VALUE_PREFIX):
                    return (
                        Action.UNDECIDED,
                        f"input {input_name!r} is a value passed in (ExternalArtifact): its "
                        "content is hashed when the run writes it",
                    )
                from zenml_core.client import Client

                client = Client(stack=self.stack)
                inputs[input_name] = client.artifact(wire.external).record
                continue
            action = self.actions.get(wire.step, Action.UNDECIDED)
            if action != Action.REUSE:
                waiting.append((input_name, wire.step, action))
                continue
            artifact = self.outputs[wire.step].get(wire.output)
            if artifact is None:
                return (Action.UNDECIDED, f"the reused step {wire.step!r} recorded no output "
                        f"{wire.output!r}")  # fmt: skip
            inputs[input_name] = artifact
        if waiting:
            input_name, producer, action = waiting[0]
            verb = "will run" if action == Action.RUN else "is decided during the run"
            more = f" (and {len(waiting) - 1} more inputs)" if len(waiting) > 1 else ""
            chosen = Action.RUN if action == Action.RUN else Action.UNDECIDED
            return chosen, f"input {input_name!r} comes from step {producer!r}, which {verb}{more}"
        return inputs

    def _run_name(self, run_id: str) -> str:
        if run_id not in self._run_names:
            self._run_names[run_id] = self.metadata.get_run(run_id).name
        return self._run_names[run_id]
