"""``zenml steps list``: the step classes installed plugins provide to subclass."""

from __future__ import annotations

import click

from zenml_core.cli.context import CLIContext
from zenml_core.cli.output import output_option, print_rows


@click.group("steps")
def steps_group() -> None:
    """Step classes to build pipelines from."""


@steps_group.command("list")
@output_option
@click.pass_obj
def list_steps(context: CLIContext, output: str) -> None:
    """List step classes: name, distribution, import path, what it does."""
    rows = [
        {
            "name": entry.name,
            "distribution": entry.distribution,
            "implementation": entry.implementation,
            "description": entry.description,
        }
        for entry in context.plugins.registry.step_classes
    ]
    print_rows(rows, ["name", "distribution", "description"], output, empty="No step classes.")
