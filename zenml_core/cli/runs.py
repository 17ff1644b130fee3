"""``zenml runs list|show`` and ``zenml artifacts show``."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import click

from zenml_core.cli.context import CLIContext
from zenml_core.cli.output import output_option, print_document, print_rows
from zenml_core.errors import ArtifactStoreError


def _client(context: CLIContext) -> Any:
    from zenml_core.client import Client

    return Client(context.repository(), plugins=context.plugins)


def _time(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.astimezone().isoformat(timespec="seconds")


def _duration(start: datetime.datetime, end: datetime.datetime | None) -> str | None:
    if end is None:
        return None
    return f"{(end - start).total_seconds() * 1000:.0f} ms"


@click.group()
def runs() -> None:
    """Inspect pipeline runs."""


@runs.command("list")
@click.option("--pipeline", help="Only runs of this pipeline.")
@click.option(
    "--status", type=click.Choice(["running", "completed", "failed"]), help="Only this status."
)
@click.option("--limit", type=int, default=50, show_default=True, help="At most this many runs.")
@output_option
@click.pass_obj
def list_runs(
    context: CLIContext, pipeline: str | None, status: str | None, limit: int, output: str
) -> None:
    """List runs, newest first."""
    client = _client(context)
    rows = [
        {
            "name": run.name,
            "id": run.id,
            "pipeline": run.record.pipeline,
            "status": run.status,
            "started": _time(run.record.started_at),
            "duration": _duration(run.record.started_at, run.record.ended_at),
            "git_commit": (run.record.git_commit or "")[:10] or None,
            "schedule": run.record.schedule,
        }
        for run in client.runs(pipeline=pipeline, status=status, limit=limit)
    ]
    columns = ["name", "pipeline", "status", "started", "duration", "git_commit"]
    if any(row["schedule"] for row in rows):  # only when some run was started by a schedule
        columns.append("schedule")
    print_rows(rows, columns, output, empty="No runs.")
    if not rows and pipeline is None and status is None:
        _hint_rebuild(client)


def _hint_rebuild(client: Any) -> None:
    """An empty metadata store beside an artifact store that holds run manifests: the history
    can be had back (a deleted or replaced database)."""
    store = client.stack.artifact_store
    try:
        folders = store.manifest_folders()
    except Exception:  # a store that cannot list: nothing to suggest
        return
    if folders:
        click.echo(
            f"Warning: metadata store {client.metadata.name!r} holds no runs, but artifact store "
            f"{store.name!r} holds run manifests; `zenml metadata rebuild` restores the history",
            err=True,
        )


@runs.command("diff")
@click.argument("run_a", metavar="A")
@click.argument("run_b", metavar="B")
@click.option("--all", "show_all", is_flag=True, help="Also list what is the same.")
@output_option
@click.pass_obj
def diff_runs(context: CLIContext, run_a: str, run_b: str, show_all: bool, output: str) -> None:
    """Compare run A with run B: parameters, git, stack, and per step status, duration, code,
    inputs, outputs and metadata (B - A for numbers). Runs as `runs show` takes them."""
    from zenml_core.run_diff import ValueChange

    diff = _client(context).diff(run_a, run_b)
    if output == "json":
        print_document(diff.to_dict(), output)
        return
    click.echo(f"A: {diff.a}\nB: {diff.b}")
    changes = [diff.pipeline, *diff.parameters, *diff.git, diff.stack]
    _print_changes(changes, "RUN", show_all, "The runs' pipeline, parameters, git and stack match.")
    rows = []
    for step in diff.steps:
        if step.same and not show_all:
            continue
        delta = step.duration_ms.delta
        rows.append(
            {
                "step": step.step,
                "status": _pair(step.status.a, step.status.b),
                "duration": _pair(_ms(step.duration_ms.a), _ms(step.duration_ms.b))
                + ("" if delta is None else f" ({delta:+.0f} ms)"),
                "code_changed": list(step.code_changed),
                "parameters": [f"{c.name}: {c.a!r} -> {c.b!r}" for c in step.parameters],
                "inputs": _compared(step.inputs),
                "outputs": _compared(step.outputs),
            }
        )
    click.echo()
    columns = ["step", "status", "duration", "code_changed", "parameters", "inputs", "outputs"]
    print_rows(rows, columns, "table", empty="Every step has the same status, code and data.")
    metadata = [
        ValueChange(f"{step.step}.{change.name}", change.a, change.b)
        for step in diff.steps
        for change in step.metadata
    ]
    if metadata:
        click.echo()
        _print_changes(metadata, "METADATA", show_all, "The steps logged the same metadata.")


def _pair(a: Any, b: Any) -> str:
    return str(a if a is not None else "-") if a == b else f"{a or '-'} -> {b or '-'}"


def _ms(value: float | None) -> str | None:
    return None if value is None else f"{value:.0f} ms"


def _compared(artifacts: dict[str, str]) -> str:
    if all(state == "same" for state in artifacts.values()):
        return "same" if artifacts else "-"
    return ", ".join(f"{name}: {state}" for name, state in artifacts.items() if state != "same")


def _print_changes(changes: list[Any], label: str, show_all: bool, empty: str) -> None:
    rows = [
        {
            label.lower(): change.name,
            "a": change.a,
            "b": change.b,
            "delta": None if change.delta is None else f"{change.delta:+g}",
        }
        for change in changes
        if show_all or not change.same
    ]
    print_rows(rows, [label.lower(), "a", "b", "delta"], "table", empty=empty)


@runs.command("report")
@click.argument("run_name", metavar="RUN")
@click.option("--baseline", metavar="RUN", help="Also show what changed since this run.")
@click.option(
    "-o",
    "--output-file",
    "output_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="The HTML file to write.",
)
@click.pass_obj
def report(context: CLIContext, run_name: str, baseline: str | None, output_file: Path) -> None:
    """Write one self-contained HTML page about RUN: its DAG, each step's parameters, inputs,
    outputs with previews, metadata, metric charts, errors, and the diff against --baseline."""
    from zenml_core.client import Client
    from zenml_core.reports.document import run_document
    from zenml_core.reports.html import run_report
    from zenml_core.utils.files import write_text_atomically

    client = Client(context.repository(), plugins=context.plugins, read_only=True)
    run = client.run(run_name)
    document = run_document(client, run, baseline=client.run(baseline) if baseline else None)
    write_text_atomically(output_file, run_report(document))
    click.echo(f"Wrote {output_file} ({output_file.stat().st_size // 1024} KiB) for run {run.name}")


@runs.command("logs")
@click.argument("run_name", metavar="RUN")
@click.argument("step_name", metavar="STEP")
@click.pass_obj
def logs(context: CLIContext, run_name: str, step_name: str) -> None:
    """Print what STEP of RUN printed and logged (a cached step: its source's)."""
    from zenml_core.errors import MetadataNotFoundError

    run = _client(context).run(run_name)
    steps = run.steps
    if step_name not in steps:
        raise MetadataNotFoundError(
            f"run {run.name} has no step {step_name!r} (steps: {', '.join(steps) or 'none'})"
        )
    text = steps[step_name].logs
    if text is None:
        click.echo(f"Step {step_name!r} of run {run.name} printed and logged nothing.", err=True)
        return
    click.echo(text, nl=False)


@runs.command("show")
@click.argument("run_name", metavar="RUN")
@click.option("--logs", "with_logs", is_flag=True, help="Also each step's printed output.")
@output_option
@click.pass_obj
def show_run(context: CLIContext, run_name: str, with_logs: bool, output: str) -> None:
    """Show a run: its record and each step with its parameters, inputs and outputs.

    RUN is a run's name or id, `latest`, `latest~N` (N runs before the newest), or the unique
    start of a name or id."""
    from zenml_core.utils.tracebacks import user_traceback

    run = _client(context).run(run_name)
    record = run.record
    step_runs = run.steps
    upstream = run.upstream(step_runs)
    steps = []
    for step in step_runs.values():
        steps.append(
            {
                "step": step.name,
                "status": step.status,
                "duration": _duration(step.record.started_at, step.record.ended_at),
                "after": upstream.get(step.name, []),
                "parameters": step.record.parameters,
                "inputs": {name: a.id for name, a in step.inputs.items()},
                "outputs": {name: a.id for name, a in step.outputs.items()},
                "cached_from": step.record.cached_from,
                # a skipped step's reason is what skipped it (a condition, a failed upstream)
                "reason": step.record.reason
                or (step.record.error if step.status == "skipped" else None),
                "error": (step.record.error or "").strip().splitlines()[-1:] or None,
                "traceback": user_traceback(step.record.error or "") or None,
                "attempts": step.record.attempts,  # failed attempts of a retried step
                **({"logs": step.logs} if with_logs else {}),
            }
        )
    document = {
        "run": record.name,
        "id": record.id,
        "pipeline": record.pipeline,
        "status": record.status,
        "started": _time(record.started_at),
        "ended": _time(record.ended_at),
        "duration": _duration(record.started_at, record.ended_at),
        "git_commit": record.git_commit,
        "git_dirty": record.git_dirty,
        "stack": record.stack_name,
        "host": record.host,
        "pid": record.pid,
        "parameters": record.parameters,
        "resumed_from": record.resumed_from,
        "error": record.error,
    }
    if record.orchestrator_run_id:
        document["orchestrator_run_id"] = record.orchestrator_run_id
        if record.status == "running":
            remote = run.client.stack.orchestrator.remote_state(record)
            document["remote_state"] = remote.state if remote else "unknown"
    if output == "json":
        print_document({**document, "steps": steps}, output)
        return
    print_document(document, output)
    click.echo()

    def cell(mapping: dict[str, int]) -> str:
        return ", ".join(f"{name}=#{artifact}" for name, artifact in mapping.items()) or "-"

    def values(mapping: dict[str, object]) -> str:
        return ", ".join(f"{name}={value!r}" for name, value in mapping.items()) or "-"

    table = [
        {
            **step,
            "parameters": values(step["parameters"]),
            "inputs": cell(step["inputs"]),
            "outputs": cell(step["outputs"]),
        }
        for step in steps
    ]
    print_rows(
        table,
        ["step", "status", "duration", "after", "parameters", "inputs", "outputs", "reason"],
        "table",
        empty="No steps.",
    )
    for step in steps:
        if step["traceback"]:
            click.echo(f"\nStep {step['step']!r} failed:\n{step['traceback']}")
        if step.get("logs"):
            click.echo(f"\nStep {step['step']!r} printed:\n{step['logs']}", nl=False)


@runs.command("resume")
@click.argument("run_name", metavar="RUN")
@click.pass_obj
def resume_run(context: CLIContext, run_name: str) -> None:
    """Start a new run that reuses the completed steps of failed run RUN and runs the rest.

    RUN: a name, an id, `latest`, `latest~N` or the unique start of a name or id."""
    from zenml_core.pipelines.resume import resume
    from zenml_core.stack.builder import load_stack

    repository = context.repository()
    stack = load_stack(repository, plugins=context.plugins)
    resume(run_name, stack=stack, plugins=context.plugins, repository=repository)


@click.group()
def artifacts() -> None:
    """Inspect artifacts."""


@artifacts.command("show")
@click.argument("reference", metavar="ARTIFACT")
@click.option("--value", is_flag=True, help="Also load the artifact and print its value.")
@output_option
@click.pass_obj
def show_artifact(context: CLIContext, reference: str, value: bool, output: str) -> None:
    """Show an artifact: where it is stored, its type, size, hash, and the step that made it.

    ARTIFACT is an artifact id or RUN/STEP/OUTPUT (`latest/split/train`; RUN/STEP when the
    step has one output), RUN being a name, an id, `latest`, `latest~N` or a unique start."""
    client = _client(context)
    artifact = client.artifact(reference)
    producer = artifact.producer
    record = artifact.record
    document: dict[str, Any] = {
        "id": record.id,
        "uri": record.uri,
        "type": record.type,
        "materializer": record.materializer,
        "size": record.size,
        "content_hash": record.content_hash,
        "created": _time(record.created_at),
        "produced_by": None
        if producer is None  # a value passed in with ExternalArtifact
        else {
            "step": producer.name,
            "output": record.output_name,
            "run": client.metadata.get_run(producer.record.run_id).name,
        },
    }
    if not value:
        print_document(document, output)
        return
    from zenml_core.materializers.registry import PICKLE
    from zenml_core.previews import preview, render

    if record.materializer.partition("@")[0] == PICKLE:
        click.echo(
            f"Note: artifact {record.id} is a pickle; showing its value runs code from "
            f"{record.uri} (its content hash is checked against the record first)",
            err=True,
        )
    # A project's own materializers and types import from its root, as when the step ran.
    context.repository().make_importable([record.materializer.partition("@")[0], record.type])
    shown = preview(artifact.load())
    if output == "json":  # a JSON value as itself; other values described (see previews)
        kind = shown.pop("kind")
        if kind in ("dataframe", "series"):
            del shown["text"]  # the same rows are in "head"
        value_json = shown["value"] if kind == "json" else shown
        print_document({**document, "value_kind": kind, "value": value_json}, output)
        return
    print_document(document, output)
    click.echo("value: |")
    click.echo("\n".join("  " + line for line in render(shown).splitlines()))


@artifacts.command("gc")
@click.option(
    "--delete", is_flag=True, help="Remove what is listed (default: only list it, a dry run)."
)
@click.pass_obj
def collect_garbage(context: CLIContext, delete: bool) -> None:
    """List (or --delete) artifacts of the active artifact store that no recorded run uses.

    Runs that are still running are never touched; a step folder goes with its manifest.
    """
    from zenml_core.execution.context import RunStatus
    from zenml_core.stack.builder import load_stack

    stack = load_stack(context.repository(), plugins=context.plugins)
    metadata = stack.metadata_store
    runs = metadata.list_runs()
    if not runs:
        raise ArtifactStoreError(
            f"metadata store {metadata.name!r} holds no runs, so every artifact would look "
            "unused; run `zenml metadata rebuild` first if its history was lost"
        )
    recorded = {run.id: run.status == RunStatus.RUNNING for run in runs}
    found = stack.artifact_store.collect_garbage(recorded, metadata.artifact_uris(), delete=delete)
    for uri in found:
        click.echo(uri)
    verb = "Removed" if delete else "Would remove"
    hint = "" if delete or not found else " (run again with --delete to remove them)"
    click.echo(f"{verb} {len(found)} unused artifact folders{hint}.", err=True)


@click.group()
def metadata() -> None:
    """Maintain the metadata store."""


@metadata.command("rebuild")
@click.option(
    "--into",
    "target",
    metavar="METADATA_STORE",
    help="A registered, empty metadata store (default: the active stack's).",
)
@click.pass_obj
def rebuild_metadata(context: CLIContext, target: str | None) -> None:
    """Rebuild runs, steps, artifacts and lineage from the artifact store's manifests."""
    import os

    from zenml_core.metadata_stores.rebuild import rebuild, trusted_materializers
    from zenml_core.stack.builder import build_component, load_stack
    from zenml_core.stack.component import ComponentKind

    repository = context.repository()
    stack = load_stack(repository, plugins=context.plugins)
    store: Any = stack.metadata_store
    if target is not None:
        config = repository.load_config()
        store = build_component(
            ComponentKind.METADATA_STORE,
            target,
            config.component(ComponentKind.METADATA_STORE, target),
            context.plugins.registry,
            root=repository.root,
            source=str(repository.config_path),
            environ=os.environ,
        )
    registered = [entry.materializer for entry in context.plugins.registry.materializers]
    accept = trusted_materializers(registered, repository.root)
    report = rebuild(stack.artifact_store, store, accept_materializer=accept)
    click.echo(
        f"Rebuilt {report.runs} runs, {report.step_runs} step runs and {report.artifacts} "
        f"artifacts into metadata store {store.name!r}."
    )
    for problem in report.problems:
        click.echo(f"Warning: {problem}", err=True)
