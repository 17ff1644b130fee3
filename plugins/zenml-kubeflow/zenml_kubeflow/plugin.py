"""Entry point module: registers by import path, so listing flavors never imports kfp."""

from __future__ import annotations

from typing import Any

import click

from zenml_core.plugin import CLIContext, ComponentRegistrar, hookimpl


@hookimpl
def zenml_register_orchestrators(registry: ComponentRegistrar) -> None:
    registry.add(
        "kubeflow",
        implementation="zenml_kubeflow.orchestrator:KubeflowOrchestrator",
        config="zenml_kubeflow.config:KubeflowOrchestratorConfig",
        description="Compiles pipelines to Kubeflow Pipelines; runs them locally with Docker.",
    )


@click.group("kubeflow")
def kubeflow_group() -> None:
    """Kubeflow Pipelines."""


@kubeflow_group.command("compile")
@click.argument("target", metavar="FILE.py:PIPELINE")
@click.option("--output", "-o", "output", required=True, type=click.Path(dir_okay=False))
@click.option("--orchestrator", help="A registered kubeflow orchestrator (default: the stack's).")
@click.pass_obj
def compile_command(
    context: CLIContext, target: str, output: str, orchestrator: str | None
) -> None:
    """Write the Kubeflow Pipelines YAML of a pipeline without running anything."""
    import os
    from pathlib import Path

    from zenml_core.pipelines.loading import load_pipeline
    from zenml_core.stack.builder import build_component, load_stack
    from zenml_core.stack.component import ComponentKind

    repository = context.repository()
    stack = load_stack(repository, plugins=context.plugins)
    component: Any = stack.orchestrator
    if orchestrator is not None:
        config = repository.load_config()
        component = build_component(
            ComponentKind.ORCHESTRATOR, orchestrator,
            config.component(ComponentKind.ORCHESTRATOR, orchestrator), context.plugins.registry,
            root=repository.root, source=str(repository.config_path), environ=os.environ,
        )  # fmt: skip
    from zenml_kubeflow.orchestrator import KubeflowOrchestrator, KubeflowOrchestratorError

    if not isinstance(component, KubeflowOrchestrator):
        raise KubeflowOrchestratorError(
            f"orchestrator {component.name!r} is not a kubeflow orchestrator; pass "
            "--orchestrator NAME of one (see `zenml orchestrator list`)"
        )
    spec = load_pipeline(target).compile(plugins=context.plugins)
    image, yaml_text = component.compile(stack, context.plugins, spec)
    Path(output).write_text(yaml_text, encoding="utf-8")
    click.echo(f"Wrote {output} ({len(spec.steps)} steps, image {image}).")


@hookimpl
def zenml_add_cli_commands(cli: click.Group) -> None:
    cli.add_command(kubeflow_group)
