"""Helpers for orchestrators that run steps outside this process (subprocesses, containers,
remote jobs) through ``python -m zenml_core.entrypoint``."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from zenml_core.metadata_stores.records import StepStatus

if TYPE_CHECKING:
    from zenml_core.orchestrators.step_runner import RunContext, StepOutcome


def run_folder(context: RunContext) -> Path:
    """The run's ``.zenml`` folder for files steps elsewhere read (spec, stack, compiled
    pipelines); created if missing. In a local artifact store it sits beside the run's
    artifacts (containers mount it); with a remote store it is a scratch folder here."""
    from zenml_core.artifact_stores.local import LocalArtifactStore

    store = context.stack.artifact_store
    if isinstance(store, LocalArtifactStore):
        folder = Path(store.local_path(store.uri(context.spec.name, context.run_id, ".zenml")))
    else:
        folder = Path(tempfile.gettempdir(), "zenml-runs", context.run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_run_documents(context: RunContext) -> Path:
    """Write the spec and the stack document into :func:`run_folder`; returns the folder.
    Secrets are not written (see ``secret_environment``)."""
    from zenml_core.stack.builder import stack_document

    folder = run_folder(context)
    (folder / "spec.json").write_text(context.spec.to_json(), encoding="utf-8")
    document = stack_document(context.stack, context.plugins.registry)
    (folder / "stack.json").write_text(json.dumps(document), encoding="utf-8")
    return folder


def entrypoint_arguments(context: RunContext, folder: Path, step: str) -> list[str]:
    """The arguments after ``python -m zenml_core.entrypoint`` for ``step``."""
    return [
        "--run-id", context.run_id,
        "--run-name", context.run_name,
        "--step", step,
        "--spec", str(folder / "spec.json"),
        "--stack", str(folder / "stack.json"),
    ]  # fmt: skip


def outcome_from_record(
    context: RunContext, name: str, exit_code: int, tail: list[str], seconds: float
) -> StepOutcome:
    """How step ``name`` ended, read from the metadata store after its process exited.

    If the process died before recording anything (killed, out of memory), the failure is
    recorded here with the exit code and the last lines of its output.
    """
    from zenml_core.orchestrators.step_runner import StepOutcome

    metadata = context.stack.metadata_store
    record = next((s for s in metadata.list_step_runs(context.run_id) if s.name == name), None)
    if exit_code != 0 and (record is None or record.status == StepStatus.RUNNING):
        reason = f"the process exited with code {exit_code}; last output: " + " | ".join(tail)
        if record is None:
            step_run_id = metadata.start_step(context.run_id, name, {}, None)
        else:
            step_run_id = record.id
        metadata.fail_step(step_run_id, reason)
        record = metadata.get_step_run(step_run_id)
    if record is None:
        raise RuntimeError(f"step {name!r} exited with code 0 but recorded nothing")
    outputs = metadata.step_run_outputs(record.id)
    if record.status in (StepStatus.COMPLETED, StepStatus.CACHED):
        context.known_outputs[name] = outputs
    error: str | None = None
    if record.status == StepStatus.FAILED:
        last = (record.error or "").strip().splitlines()
        error = last[-1] if last else f"the process exited with code {exit_code}"
    return StepOutcome(
        step=name,
        status=record.status,
        step_run_id=record.id,
        duration_ms=seconds * 1000,
        started_at=record.started_at,
        error=error,
        error_detail=record.error,
        cached_from=record.cached_from,
        cache_key=record.cache_key,
        parameters=record.parameters,
        inputs=metadata.step_run_inputs(record.id),
        outputs=outputs,
        metadata=record.metadata,
    )
