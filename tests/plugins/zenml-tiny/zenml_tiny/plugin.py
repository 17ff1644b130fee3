"""The entry point module: light, it only names classes by import path."""

import click

from zenml_core import hookimpl


@hookimpl
def zenml_register_orchestrators(registry):
    registry.add(
        "tiny",
        implementation="zenml_tiny.components:TinyOrchestrator",
        config="zenml_tiny.components:TinyConfig",
        description="A tiny test orchestrator.",
    )


@hookimpl
def zenml_register_artifact_stores(registry):
    registry.add(
        "tiny",
        implementation="zenml_tiny.components:TinyArtifactStore",
        config="zenml_tiny.components:TinyConfig",
    )


@hookimpl
def zenml_register_metadata_stores(registry):
    registry.add(
        "tiny",
        implementation="zenml_tiny.components:TinyMetadataStore",
        config="zenml_tiny.components:TinyConfig",
    )


@hookimpl
def zenml_register_processing_backends(registry):
    registry.add(
        "tiny",
        implementation="zenml_tiny.components:TinyProcessingBackend",
        config="zenml_tiny.components:TinyConfig",
    )


@hookimpl
def zenml_register_training_backends(registry):
    registry.add(
        "tiny",
        implementation="zenml_tiny.components:TinyTrainingBackend",
        config="zenml_tiny.components:TinyConfig",
    )


@hookimpl
def zenml_register_materializers(registry):
    registry.add(
        "zenml_tiny.components:TinyValue", materializer="zenml_tiny.components:TinyMaterializer"
    )


@hookimpl
def zenml_register_step_classes(registry):
    registry.add("TinyStep", implementation="zenml_tiny.components:TinyStep", description="Tiny.")


@click.command("tiny")
def tiny_command():
    """Say hello from the tiny plugin."""
    click.echo("hello from zenml-tiny")


@hookimpl
def zenml_add_cli_commands(cli):
    cli.add_command(tiny_command)
