"""Why a step runs instead of being reused, in words.

A step's cache key is made of recorded parts (see :func:`zenml_core.execution.cache.key_parts`):
its code, parameters, inputs' content, materializers and the recipe's version. When no earlier
result matches, the parts are compared with those of its *baseline*, the same step in the
newest completed run of the pipeline, and each difference is named: ``parameter 'seed'
changed 7 -> 8``, ``function helpers.scale changed``, ``input 'data' changed (from step
'load')``. ``zenml pipeline plan`` shows the same sentences before anything runs, and every
executed step records its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zenml_core.metadata_stores.records import StepRunRecord

NO_BASELINE = "no earlier completed run of this pipeline has this step"
SHOWN_CHANGES = 4  # differences named in one reason; the rest are counted
_VALUE_WIDTH = 40


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 3] + "..."


def _parameters(parts: Mapping[str, Any]) -> dict[str, Any]:
    """A step's parameters and (for class steps) its config, by name."""
    recorded = parts.get("parameters") or {}
    flat = dict(recorded.get("object") or {})
    flat.update(recorded.get("inputs") or {})
    return flat


def _keyed_changes(now: Mapping[str, Any], before: Mapping[str, Any], describe: Any) -> list[str]:
    return [
        describe(name, before.get(name, _MISSING), now.get(name, _MISSING))
        for name in sorted(now.keys() | before.keys())
        if now.get(name, _MISSING) != before.get(name, _MISSING)
    ]


class _Missing:
    def __repr__(self) -> str:
        return "(none)"


_MISSING = _Missing()


def differences(
    parts: Mapping[str, Any],
    baseline: Mapping[str, Any],
    *,
    kinds: Mapping[str, str] | None = None,
    producers: Mapping[str, str] | None = None,
) -> list[str]:
    """Each difference between a step's cache parts and its baseline's, as a phrase.

    ``kinds`` says which code names are functions, classes or constants (from the current
    code walk); ``producers`` names the step each input comes from.
    """
    kinds = kinds or {}
    producers = producers or {}
    found: list[str] = []
    if parts.get("version") != baseline.get("version"):
        found.append("the cache key's recipe changed (zenml-core was upgraded)")
    elif parts.get("framework") != baseline.get("framework"):
        found.append(
            f"zenml-core's major version changed {baseline.get('framework')} -> "
            f"{parts.get('framework')}"
        )

    def parameter(name: str, before: Any, now: Any) -> str:
        if before is _MISSING:
            return f"parameter {name!r} is new ({_shown(now)})"
        if now is _MISSING:
            return f"parameter {name!r} was removed (was {_shown(before)})"
        return f"parameter {name!r} changed {_shown(before)} -> {_shown(now)}"

    found += _keyed_changes(_parameters(parts), _parameters(baseline), parameter)

    def code(name: str, before: Any, now: Any) -> str:
        kind = kinds.get(name, "code")
        if before is _MISSING:
            return f"it now reaches {kind} {name}"
        if now is _MISSING:
            return f"it no longer reaches {name}"
        return f"{kind} {name} changed"

    found += _keyed_changes(parts.get("code") or {}, baseline.get("code") or {}, code)

    def input_(name: str, before: Any, now: Any) -> str:
        producer = producers.get(name) or producers.get(name.partition("[")[0])  # fan-in items
        origin = f" (from step {producer!r})" if producer else ""
        if before is _MISSING:
            return f"input {name!r} is new{origin}"
        if now is _MISSING:
            return f"input {name!r} was removed"
        before_hash = str(before).partition("|")[0]
        now_hash, _, now_materializer = str(now).partition("|")
        if before_hash == now_hash:
            return f"input {name!r} is read by another materializer ({now_materializer})"
        return f"input {name!r} changed{origin}: its content differs"

    found += _keyed_changes(parts.get("inputs") or {}, baseline.get("inputs") or {}, input_)

    def materializer(name: str, before: Any, now: Any) -> str:
        return f"the materializer of output {name!r} changed"

    found += _keyed_changes(
        parts.get("materializers") or {}, baseline.get("materializers") or {}, materializer
    )
    if parts.get("map") != baseline.get("map"):
        found.append("the lists it maps over changed")
    return found


def summarize(changes: list[str]) -> str:
    """Changes joined into one reason; beyond a few, the rest are counted."""
    if len(changes) <= SHOWN_CHANGES:
        return "; ".join(changes)
    rest = len(changes) - SHOWN_CHANGES
    return "; ".join(changes[:SHOWN_CHANGES]) + f"; and {rest} more change{'s' * (rest > 1)}"


def baseline_steps(store: Any, pipeline: str) -> tuple[str | None, dict[str, StepRunRecord]]:
    """The newest completed run of ``pipeline`` (its name) and its step runs by name."""
    newest = store.list_runs(pipeline=pipeline, status="completed", limit=1)
    if not newest:
        return None, {}
    return newest[0].name, {step.name: step for step in store.list_step_runs(newest[0].id)}


def why_it_runs(
    parts: Mapping[str, Any],
    baseline: StepRunRecord | None,
    baseline_run: str | None = None,
    *,
    kinds: Mapping[str, str] | None = None,
    producers: Mapping[str, str] | None = None,
) -> str:
    """Why a step with these cache parts runs: what differs from its baseline's record."""
    if baseline is None:
        return NO_BASELINE
    since = f" since run {baseline_run}" if baseline_run else ""
    if baseline.cache_parts is None:
        where = baseline_run or baseline.run_id
        return f"run {where} recorded no cache key for it (it was {baseline.status})"
    changes = differences(parts, baseline.cache_parts, kinds=kinds, producers=producers)
    if not changes:
        # same parts as the baseline, yet nothing reusable: its result is gone or unusable
        return f"nothing changed{since}, but no usable earlier result was found"
    return summarize(changes) + since
