"""Resuming a failed run: a new run that reuses the steps that completed and runs the rest.

Reuse is only right if nothing a completed step depends on has changed, so every step to be
reused has its cache key computed again (its code and the user code it calls, its parameters,
its inputs) and compared with the key recorded when it ran. Any difference refuses the resume.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_core.errors import ResumeError
from zenml_core.execution.context import RunStatus, StepStatus
from zenml_core.pipelines.spec import PipelineSpec

if TYPE_CHECKING:
    from zenml_core.client import PipelineRun
    from zenml_core.orchestrators.reporting import Reporter
    from zenml_core.plugin.manager import PluginManager
    from zenml_core.repository import Repository
    from zenml_core.stack.stack import Stack


def plan_reuse(
    spec: PipelineSpec, run_id: str, stack: Stack, reporter: Reporter | None = None
) -> dict[str, int]:
    """Step name -> step run id of each step of ``run_id`` that may be reused, checked.

    A step recorded with another recipe of the cache key cannot be checked: it runs again,
    and ``reporter`` says so.
    """
    from zenml_core.artifacts import unusable_reason
    from zenml_core.execution.cache import CACHE_KEY_VERSION, step_cache_key
    from zenml_core.execution.step_runner import instantiate

    metadata = stack.metadata_store
    reusable = {
        step.name: step
        for step in metadata.list_step_runs(run_id)
        if step.status in (StepStatus.COMPLETED, StepStatus.CACHED)
    }
    plan: dict[str, int] = {}
    for step_spec in spec.steps:
        record = reusable.get(step_spec.name)
        if record is None:
            continue
        if any(upstream not in plan for upstream in step_spec.upstream):
            continue  # an input will be produced anew, so this step runs again too
        outputs = metadata.step_run_outputs(record.id)
        if unusable_reason(stack.artifact_store, outputs) is not None:
            continue  # its outputs were deleted or moved: run it again
        recipe = (record.cache_parts or {}).get("version")
        if recipe != CACHE_KEY_VERSION:
            if reporter is not None:
                reporter.step(
                    step_spec.name,
                    f"cannot be verified (recorded with cache key recipe {recipe or '2 or older'},"
                    f" this zenml-core uses {CACHE_KEY_VERSION}): it runs again",
                )
            continue
        inputs = metadata.step_run_inputs(record.id)
        key = step_cache_key(instantiate(step_spec), step_spec, inputs)
        if record.cache_key is not None and key != record.cache_key:
            raise ResumeError(
                f"cannot resume: step {step_spec.name!r} changed since the run (its code, or "
                "code it calls, is different), so its outputs cannot be reused; run the "
                "pipeline again instead"
            )
        plan[step_spec.name] = record.id
    return plan


def resume(
    run: str,
    *,
    stack: Stack,
    plugins: PluginManager,
    repository: Repository | None = None,
    reporter: Reporter | None = None,
) -> PipelineRun:
    """Resume the failed run ``run`` (id or name) on ``stack``; returns the new run."""
    from zenml_core.pipelines.run import run as run_pipeline

    stack.metadata_store.reap_orphans()  # a resume killed earlier no longer counts
    record = stack.metadata_store.get_run(run)
    if record.status == RunStatus.RUNNING:
        raise ResumeError(f"run {record.name} is still running; wait for it or stop it first")
    if record.status == RunStatus.COMPLETED:
        raise ResumeError(f"run {record.name} completed; there is nothing to resume")
    spec = PipelineSpec.from_dict(record.spec, source=f"the spec of run {record.name}")
    if repository is not None:  # the steps' code, as `zenml pipeline run` imported it
        repository.make_importable(step.source for step in spec.steps)
    if reporter is None:
        from zenml_core.orchestrators.reporting import Reporter

        reporter = Reporter()
    reuse = plan_reuse(spec, record.id, stack, reporter)
    return run_pipeline(
        spec,
        stack=stack,
        plugins=plugins,
        repository=repository,
        reporter=reporter,
        resumed_from=record.id,
        reuse=reuse,
    )
