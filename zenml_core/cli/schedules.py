"""``zenml pipeline schedule`` and ``zenml schedules list|show|pause|resume|delete``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zenml_core.cli.context import CLIContext
from zenml_core.cli.output import output_option, print_document, print_rows
from zenml_core.cli.pipeline import config_option, load_target


@click.command("schedule")
@click.argument("target", metavar="FILE.py:PIPELINE")
@click.option("--cron", help="A five-field cron expression, e.g. '0 3 * * *'.")
@click.option("--interval", type=float, help="Or: every this many seconds.")
@click.option("--name", help="The schedule's name (default: the pipeline's).")
@click.option("--start", help="ISO date or datetime of the first run (default: now).")
@click.option("--end", help="ISO date or datetime after which it stops.")
@click.option("--catchup/--no-catchup", default=False, show_default=True,
              help="Also run the intervals missed since --start.")  # fmt: skip
@click.option("--timezone", default="UTC", show_default=True, help="IANA name of the timezone.")
@config_option
@click.option("--stack", "stack_name", metavar="NAME", help="The stack whose orchestrator runs it.")
@click.pass_obj
def schedule_pipeline(
    context: CLIContext, target: str, cron: str | None, interval: float | None,
    name: str | None, start: str | None, end: str | None, catchup: bool, timezone: str,
    config_path: Path | None, stack_name: str | None,
) -> None:  # fmt: skip
    """Run a pipeline on a schedule, on an orchestrator that has a scheduler (the code it runs
    is pinned now: later edits do not change it)."""
    found, config = load_target(context, target, config_path)
    record = found.schedule(
        cron=cron, interval=interval, name=name, start=start, end=end, catchup=catchup,
        timezone=timezone, config=config, stack=stack_name, plugins=context.plugins,
    )  # fmt: skip
    click.echo(
        f"Scheduled {record.pipeline!r} as {record.name!r} on orchestrator "
        f"{record.orchestrator!r} ({_when(record.timing)}); `zenml schedules show {record.name}`"
    )


def _when(timing: dict[str, Any]) -> str:
    from zenml_core.pipelines.schedule import Timing

    return Timing.from_dict(timing).describe()


def _context(context: CLIContext) -> dict[str, Any]:
    from zenml_core.stack.builder import load_stack

    repository = context.repository()
    stack = load_stack(repository, plugins=context.plugins)
    return {"stack": stack, "repository": repository, "plugins": context.plugins}


@click.group("schedules")
def schedules() -> None:
    """Pipelines run on a schedule."""


@schedules.command("list")
@output_option
@click.pass_obj
def list_schedules(context: CLIContext, output: str) -> None:
    """List the schedules recorded in the active stack's metadata store."""
    store = _context(context)["stack"].metadata_store
    rows = [
        {"name": s.name, "pipeline": s.pipeline, "orchestrator": s.orchestrator,
         "when": _when(s.timing), "paused": s.paused,
         "created": s.created_at.isoformat(timespec="seconds")}
        for s in store.list_schedules()
    ]  # fmt: skip
    columns = ["name", "pipeline", "orchestrator", "when", "paused", "created"]
    print_rows(rows, columns, output, empty="No schedules.")


@schedules.command("show")
@click.argument("name")
@output_option
@click.pass_obj
def show_schedule(context: CLIContext, name: str, output: str) -> None:
    """Show a schedule and the runs it started."""
    stack = _context(context)["stack"]
    record = stack.metadata_store.get_schedule(name)
    runs = [r for r in stack.metadata_store.list_runs(pipeline=record.pipeline)
            if r.schedule == name]  # fmt: skip
    document = {
        "name": record.name, "pipeline": record.pipeline, "orchestrator": record.orchestrator,
        "when": _when(record.timing), **record.timing, "paused": record.paused,
        "created": record.created_at.isoformat(timespec="seconds"),
        "orchestrator_schedule_id": record.orchestrator_schedule_id,
        "pinned_code": record.folder,
        "runs": [{"name": r.name, "status": r.status} for r in runs[:20]],
    }  # fmt: skip
    print_document(document, "json" if output == "json" else "table")


def _change(context: CLIContext, name: str, paused: bool) -> None:
    from zenml_core.pipelines.schedule import set_paused

    set_paused(name, paused, **_context(context))
    click.echo(f"Schedule {name!r} {'paused' if paused else 'resumed'}.")


@schedules.command("pause")
@click.argument("name")
@click.pass_obj
def pause_schedule(context: CLIContext, name: str) -> None:
    """Stop starting runs until `resume` (a running run goes on)."""
    _change(context, name, True)


@schedules.command("resume")
@click.argument("name")
@click.pass_obj
def resume_schedule(context: CLIContext, name: str) -> None:
    """Start runs again."""
    _change(context, name, False)


@schedules.command("delete")
@click.argument("name")
@click.pass_obj
def delete_schedule(context: CLIContext, name: str) -> None:
    """Remove the schedule from its orchestrator and forget it (its runs stay)."""
    from zenml_core.pipelines.schedule import delete

    delete(name, **_context(context))
    click.echo(f"Deleted schedule {name!r}.")
