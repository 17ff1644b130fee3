"""``zenml version``, ``zenml init`` and ``zenml status``."""

from __future__ import annotations

import os
from typing import Any

import click

from zenml_core.cli.context import CLIContext
from zenml_core.cli.output import output_option, print_document


@click.command()
def version() -> None:
    """Print the version of zenml-core."""
    from zenml_core.version import __version__

    click.echo(f"zenml-core {__version__}")


@click.command()
@click.pass_obj
def init(context: CLIContext) -> None:
    """Create .zen/ with a default local stack at the root of this git repository."""
    from zenml_core.repository import Repository

    repository, created = Repository.initialize(plugins=context.plugins)
    if created:
        click.echo(f"Initialized zenml repository in {repository.zen_dir}")
        click.echo("Active stack: default (local orchestrator, local artifact store, sqlite)")
    else:
        click.echo(f"Already initialized in {repository.zen_dir}; nothing changed.")


@click.command()
@output_option
@click.pass_obj
def status(context: CLIContext, output: str) -> None:
    """Show the repository, the active stack and the git state."""
    from zenml_core.config.environment import STACK_ENV

    repository = context.repository()
    config = repository.load_config()
    stack_name = os.environ.get(STACK_ENV) or config.active_stack
    stack = config.stack(stack_name)
    git = repository.git_state()
    document: dict[str, Any] = {
        "repository": str(repository.root),
        "active_stack": stack_name + (f" (from {STACK_ENV})" if os.environ.get(STACK_ENV) else ""),
        "components": {
            kind.value: f"{name} ({config.component(kind, name).flavor})"
            for kind, name in stack.component_names().items()
        },
        "git": (
            {"commit": git.commit, "branch": git.branch, "dirty": git.dirty}
            if git is not None
            else "unavailable"
        ),
        "plugins": [
            info.distribution for info in context.plugins.plugins if info.status == "loaded"
        ],
    }
    print_document(document, output)
