"""``zenml stack register|list|describe|set|delete``."""

from __future__ import annotations

import os
from typing import Any

import click

from zenml_core.cli.context import CLIContext
from zenml_core.cli.output import output_option, print_document, print_rows
from zenml_core.stack.component import ComponentKind


@click.group()
def stack() -> None:
    """Manage stacks: which artifact store, metadata store and orchestrator runs use."""


@stack.command("register")
@click.argument("name")
@click.option("-a", "--artifact-store", required=True, help="Name of a registered artifact store.")
@click.option("-m", "--metadata-store", required=True, help="Name of a registered metadata store.")
@click.option("-o", "--orchestrator", required=True, help="Name of a registered orchestrator.")
@click.option("-p", "--processing-backend", help="Name of a registered processing backend.")
@click.option("-t", "--training-backend", help="Name of a registered training backend.")
@click.option("--set", "activate", is_flag=True, help="Make it the active stack.")
@click.pass_obj
def register_stack(
    context: CLIContext,
    name: str,
    artifact_store: str,
    metadata_store: str,
    orchestrator: str,
    processing_backend: str | None,
    training_backend: str | None,
    activate: bool,
) -> None:
    """Register stack NAME from registered components."""
    from zenml_core.config.models import StackConfig

    stack_config = StackConfig(
        artifact_store=artifact_store,
        metadata_store=metadata_store,
        orchestrator=orchestrator,
        processing_backend=processing_backend,
        training_backend=training_backend,
    )
    repository = context.repository()
    config = repository.load_config().with_stack(name, stack_config)
    if activate:
        config = config.with_active_stack(name)
    repository.save_config(config)
    click.echo(f"Registered stack {name!r}" + (" and made it active." if activate else "."))


@stack.command("list")
@output_option
@click.pass_obj
def list_stacks(context: CLIContext, output: str) -> None:
    """List stacks; the active one is marked with *."""
    from zenml_core.config.environment import STACK_ENV

    config = context.repository().load_config()
    active = os.environ.get(STACK_ENV) or config.active_stack
    rows: list[dict[str, Any]] = []
    for name, stack_config in sorted(config.stacks.items()):
        names = stack_config.component_names()
        row: dict[str, Any] = {"active": name == active, "name": name}
        row.update({kind.value: names.get(kind) for kind in ComponentKind})
        rows.append(row)
    if output == "table":
        rows = [{**row, "active": "*" if row["active"] else ""} for row in rows]
    print_rows(
        rows,
        ["active", "name", *(kind.value for kind in ComponentKind)],
        output,
        empty="No stacks.",
    )


@stack.command("describe")
@click.argument("name", required=False)
@output_option
@click.pass_obj
def describe_stack(context: CLIContext, name: str | None, output: str) -> None:
    """Show a stack (default: the active one) with each component's effective settings."""
    from zenml_core.config.environment import STACK_ENV
    from zenml_core.stack.builder import component_settings, effective_settings

    repository = context.repository()
    config = repository.load_config()
    name = name or os.environ.get(STACK_ENV) or config.active_stack
    stack_config = config.stack(name)
    components: dict[str, Any] = {}
    for kind, component_name in stack_config.component_names().items():
        component = config.component(kind, component_name)
        settings = component_settings(
            kind,
            component_name,
            component,
            context.plugins.registry,
            source=str(repository.config_path),
            environ=os.environ,
        )
        components[kind.value] = {
            "name": component_name,
            "flavor": component.flavor,
            "settings": effective_settings(settings),
        }
    document = {"stack": name, "active": name == config.active_stack, "components": components}
    print_document(document, output)


@stack.command("set")
@click.argument("name")
@click.pass_obj
def set_stack(context: CLIContext, name: str) -> None:
    """Make stack NAME the active stack."""
    repository = context.repository()
    repository.save_config(repository.load_config().with_active_stack(name))
    click.echo(f"Active stack: {name}")


@stack.command("delete")
@click.argument("name")
@click.pass_obj
def delete_stack(context: CLIContext, name: str) -> None:
    """Delete stack NAME (its components stay registered)."""
    repository = context.repository()
    repository.save_config(repository.load_config().without_stack(name))
    click.echo(f"Deleted stack {name!r}.")
