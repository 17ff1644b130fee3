"""``zenml plugins list``: which plugin distributions are installed and what they register."""

from __future__ import annotations

import click

from zenml_core.cli.context import CLIContext
from zenml_core.cli.output import output_option, print_rows


@click.group("plugins")
def plugins_group() -> None:
    """Inspect installed plugins."""


@plugins_group.command("list")
@output_option
@click.pass_obj
def list_plugins(context: CLIContext, output: str) -> None:
    """List plugin distributions, their versions, status and what each registers."""
    registry = context.plugins.registry
    rows = [
        {
            "name": info.name,
            "distribution": info.distribution,
            "version": info.version,
            "status": info.status,
            "provides": registry.provided_by(info.distribution) if info.status == "loaded" else [],
            "error": info.error,
        }
        for info in context.plugins.plugins
    ]
    print_rows(
        rows,
        ["name", "distribution", "version", "status", "provides"],
        output,
        empty="No plugins.",
    )
