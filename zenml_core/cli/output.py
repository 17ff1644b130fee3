"""Printing tables and JSON: every list command offers ``--output json`` for scripts."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])


def output_option(function: F) -> F:
    """Add ``--output table|json`` to a command."""
    return click.option(
        "--output",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="Print a table for people or JSON for scripts.",
    )(function)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(item) for item in value) or "-"
    return str(value)


def print_rows(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], output: str, *, empty: str
) -> None:
    """Print ``rows`` as JSON (all keys) or as an aligned table of ``columns``."""
    if output == "json":
        click.echo(json.dumps(list(rows), indent=2, default=str))
        return
    if not rows:
        click.echo(empty)
        return
    table = [[column.upper() for column in columns]]
    table += [[_cell(row.get(column)) for column in columns] for row in rows]
    widths = [max(len(line[index]) for line in table) for index in range(len(columns))]
    for line in table:
        cells = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


def print_document(document: dict[str, Any], output: str) -> None:
    """Print a nested mapping as JSON, or as YAML (the format of ``.zen/config.yaml``)."""
    if output == "json":
        click.echo(json.dumps(document, indent=2, default=str))
        return
    import yaml

    click.echo(yaml.safe_dump(document, sort_keys=False, default_flow_style=False), nl=False)
