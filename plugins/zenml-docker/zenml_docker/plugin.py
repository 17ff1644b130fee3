"""Entry point module: names the orchestrator by import path, so ``docker`` is not imported."""

from __future__ import annotations

import click

from zenml_core.plugin import CLIContext, ComponentRegistrar, hookimpl


@hookimpl
def zenml_register_orchestrators(registry: ComponentRegistrar) -> None:
    registry.add(
        "docker",
        implementation="zenml_docker.orchestrator:DockerOrchestrator",
        config="zenml_docker.config:DockerOrchestratorConfig",
        description="Runs each step in its own container on a Docker engine.",
    )


@click.group("docker")
def docker_group() -> None:
    """Step images and containers on the Docker engine."""


@docker_group.command("prune")
@click.option("--all", "everything", is_flag=True, help="Also the active stack's current image.")
@click.pass_obj
def prune_command(context: CLIContext, everything: bool) -> None:
    """Remove step images no longer used, and step containers left by ended runs."""
    from zenml_docker.image import StepImageSettings, current_step_image, prune_step_images
    from zenml_docker.orchestrator import docker_client

    client = docker_client()
    keep: set[str] = set()
    if not everything:
        from zenml_core.stack.builder import load_stack

        repository = context.repository()
        stack = load_stack(repository, plugins=context.plugins)
        settings = stack.orchestrator.config
        if isinstance(settings, StepImageSettings):
            keep.add(current_step_image(settings, stack, context.plugins, repository.root))
    removed, containers, freed = prune_step_images(client, keep=keep)
    kept = f"; kept {', '.join(sorted(keep))}" if keep else ""
    click.echo(
        f"Removed {len(removed)} step images ({freed / 1e6:.0f} MB) and {containers} "
        f"finished step containers{kept}."
    )


@hookimpl
def zenml_add_cli_commands(cli: click.Group) -> None:
    cli.add_command(docker_group)
