"""``zenml pipeline run|plan|list|graph``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from zenml_core.cli.context import CLIContext
from zenml_core.cli.output import output_option, print_rows

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML with pipeline parameters, enable_cache and per-step settings.",
)


def load_target(context: CLIContext, target: str, config_path: Path | None) -> tuple[Any, Any]:
    """The pipeline FILE.py:PIPELINE names and the run config, if given; the repository is
    made importable first (`from steps import ...` works without PYTHONPATH)."""
    from zenml_core.pipelines.config import RunConfig
    from zenml_core.pipelines.loading import load_pipeline

    context.repository().make_importable()
    config = RunConfig.load(config_path) if config_path else None
    return load_pipeline(target), config


@click.group()
def pipeline() -> None:
    """Run and inspect pipelines."""


@pipeline.command("run")
@click.argument("target", metavar="FILE.py:PIPELINE")
@config_option
@click.option(
    "--stack",
    "stack_name",
    metavar="NAME",
    help="The stack to run on (before the config's stack:, ZENML_STACK and the pipeline's own).",
)
@click.pass_obj
def run_pipeline(
    context: CLIContext, target: str, config_path: Path | None, stack_name: str | None
) -> None:
    """Run a pipeline (on the active stack unless chosen otherwise)."""
    found, config = load_target(context, target, config_path)
    found.run(config=config, stack=stack_name, plugins=context.plugins)


@pipeline.command("plan")
@click.argument("target", metavar="FILE.py:PIPELINE")
@config_option
@click.option("--stack", "stack_name", metavar="NAME", help="The stack whose stores to look in.")
@output_option
@click.pass_obj
def plan_pipeline(
    context: CLIContext, target: str, config_path: Path | None, stack_name: str | None, output: str
) -> None:
    """Show what a run would reuse and what it would run, and why (nothing runs)."""
    found, config = load_target(context, target, config_path)
    planned = found.plan(config=config, stack=stack_name, plugins=context.plugins)
    rows = [step.to_dict() for step in planned]
    print_rows(rows, ["step", "action", "reason"], output, empty="The pipeline has no steps.")


@pipeline.command("graph")
@click.argument("target", metavar="FILE.py:PIPELINE")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid")
@click.pass_obj
def graph(context: CLIContext, target: str, fmt: str) -> None:
    """Print the pipeline's DAG as Mermaid or Graphviz DOT text (nothing runs)."""
    from zenml_core.pipelines.graph import to_dot, to_mermaid
    from zenml_core.pipelines.loading import load_pipeline

    spec = load_pipeline(target).compile(plugins=context.plugins)
    click.echo(to_mermaid(spec) if fmt == "mermaid" else to_dot(spec))


@pipeline.command("list")
@output_option
@click.pass_obj
def list_pipelines(context: CLIContext, output: str) -> None:
    """List pipelines recorded in the active stack's metadata store."""
    from zenml_core.client import Client

    client = Client(context.repository(), plugins=context.plugins)
    rows = [
        {"name": p.name, "runs": p.runs, "created": p.created_at.isoformat(timespec="seconds")}
        for p in client.pipelines()
    ]
    print_rows(rows, ["name", "runs", "created"], output, empty="No pipelines have run yet.")
