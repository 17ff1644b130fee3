"""What changed between two runs: ``zenml runs diff A B`` and ``Client().diff(a, b)``.

Everything compared is already recorded: the runs' parameters, git state and stack; per step
its status and duration, its cache parts (which of its functions, classes and constants
changed, by name), the content hashes of its inputs and outputs, and what it logged with
``log_metadata``, side by side with the difference of numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from attrs import asdict, frozen

from zenml_core.steps.context import METRIC_SERIES

if TYPE_CHECKING:
    from zenml_core.client import PipelineRun, StepRun

ONLY_IN_A = "only in A"
ONLY_IN_B = "only in B"


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@frozen
class ValueChange:
    """One named value in run A and in run B (None when absent), and B - A for numbers."""

    name: str
    a: Any
    b: Any

    @property
    def same(self) -> bool:
        return bool(self.a == self.b)

    @property
    def delta(self) -> float | None:
        if _number(self.a) and _number(self.b):
            return float(self.b - self.a)
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "a": self.a, "b": self.b, "same": self.same,
                "delta": self.delta}  # fmt: skip


@frozen
class StepDiff:
    """One step in both runs. ``inputs``/``outputs``: name -> same, different, or only in A/B."""

    step: str
    status: ValueChange
    duration_ms: ValueChange
    code_changed: tuple[str, ...]
    parameters: tuple[ValueChange, ...]  # those that differ
    inputs: dict[str, str]
    outputs: dict[str, str]
    metadata: tuple[ValueChange, ...]  # every key either logged

    @property
    def same(self) -> bool:
        return (
            self.status.same
            and not self.code_changed
            and not self.parameters
            and all(value == "same" for value in (*self.inputs.values(), *self.outputs.values()))
            and all(change.same for change in self.metadata)
        )

    def to_dict(self) -> dict[str, Any]:
        document = asdict(self, recurse=False)
        document.update(
            status=self.status.to_dict(),
            duration_ms=self.duration_ms.to_dict(),
            parameters=[change.to_dict() for change in self.parameters],
            metadata=[change.to_dict() for change in self.metadata],
            code_changed=list(self.code_changed),
            same=self.same,
        )
        return document


@frozen
class RunDiff:
    """Run A next to run B."""

    a: str
    b: str
    pipeline: ValueChange
    parameters: tuple[ValueChange, ...]  # every parameter either run has
    git: tuple[ValueChange, ...]  # commit and dirty flag
    stack: ValueChange
    steps: tuple[StepDiff, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "pipeline": self.pipeline.to_dict(),
            "parameters": [change.to_dict() for change in self.parameters],
            "git": [change.to_dict() for change in self.git],
            "stack": self.stack.to_dict(),
            "steps": [step.to_dict() for step in self.steps],
        }


def _changes(a: dict[str, Any], b: dict[str, Any]) -> tuple[ValueChange, ...]:
    return tuple(ValueChange(key, a.get(key), b.get(key)) for key in sorted(a.keys() | b.keys()))


def _by_hash(a: dict[str, Any], b: dict[str, Any]) -> dict[str, str]:
    """Artifacts (name -> content hash) compared by name."""
    compared = {}
    for name in sorted(a.keys() | b.keys()):
        if name not in b:
            compared[name] = ONLY_IN_A
        elif name not in a:
            compared[name] = ONLY_IN_B
        else:
            compared[name] = "same" if a[name] == b[name] else "different"
    return compared


def _code_changed(a: StepRun, b: StepRun) -> tuple[str, ...]:
    if a.record.cache_parts is None or b.record.cache_parts is None:
        return ()  # a step that did not run (skipped) recorded no code to compare
    code_a = a.record.cache_parts.get("code") or {}
    code_b = b.record.cache_parts.get("code") or {}
    return tuple(
        name
        for name in sorted(code_a.keys() | code_b.keys())
        if code_a.get(name) != code_b.get(name)
    )


def _duration_ms(step: StepRun | None) -> float | None:
    if step is None or step.record.ended_at is None:
        return None
    return round((step.record.ended_at - step.record.started_at).total_seconds() * 1000, 1)


def _hashes(artifacts: dict[str, Any]) -> dict[str, str]:
    return {name: artifact.record.content_hash for name, artifact in artifacts.items()}


def _logged(step: StepRun | None) -> dict[str, Any]:
    """What the step logged, less its metric series (compared by their latest values)."""
    if step is None:
        return {}
    return {key: value for key, value in step.metadata.items() if key != METRIC_SERIES}


def _step_diff(name: str, a: StepRun | None, b: StepRun | None) -> StepDiff:
    empty: dict[str, Any] = {}
    return StepDiff(
        step=name,
        status=ValueChange("status", a and a.status, b and b.status),
        duration_ms=ValueChange("duration_ms", _duration_ms(a), _duration_ms(b)),
        code_changed=_code_changed(a, b) if a is not None and b is not None else (),
        parameters=tuple(
            change
            for change in _changes(
                a.record.parameters if a else empty, b.record.parameters if b else empty
            )
            if not change.same
        ),
        inputs=_by_hash(_hashes(a.inputs) if a else empty, _hashes(b.inputs) if b else empty),
        outputs=_by_hash(_hashes(a.outputs) if a else empty, _hashes(b.outputs) if b else empty),
        metadata=_changes(_logged(a), _logged(b)),
    )


def diff_runs(a: PipelineRun, b: PipelineRun) -> RunDiff:
    """Compare two runs (of the same pipeline or not: steps are matched by name)."""
    ra, rb = a.record, b.record
    steps_a, steps_b = a.steps, b.steps
    names = list(steps_a) + [name for name in steps_b if name not in steps_a]
    return RunDiff(
        a=ra.name,
        b=rb.name,
        pipeline=ValueChange("pipeline", ra.pipeline, rb.pipeline),
        parameters=_changes(ra.parameters, rb.parameters),
        git=(
            ValueChange("git_commit", ra.git_commit, rb.git_commit),
            ValueChange("git_dirty", ra.git_dirty, rb.git_dirty),
        ),
        stack=ValueChange("stack", ra.stack_name, rb.stack_name),
        steps=tuple(_step_diff(name, steps_a.get(name), steps_b.get(name)) for name in names),
    )
