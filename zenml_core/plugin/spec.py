"""Every hook a zenml plugin can implement.

Hooks are called with keyword arguments only, so a spec can gain arguments later without
breaking plugins, and an implementation may accept just the arguments it uses. Implement a
hook by defining a function with the same name, decorated with ``@zenml_core.hookimpl``, in
the module (or object) that your distribution exposes under the ``zenml.plugins`` entry-point
group.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenml_core.plugin import hookspec

if TYPE_CHECKING:
    import click

    from zenml_core.plugin.registry import (
        ComponentRegistrar,
        MaterializerRegistrar,
        StepClassRegistrar,
    )
    from zenml_core.stack.stack import Stack

__all__ = [
    "zenml_add_cli_commands",
    "zenml_after_pipeline_run",
    "zenml_after_step_run",
    "zenml_before_pipeline_run",
    "zenml_before_step_run",
    "zenml_on_pipeline_error",
    "zenml_on_step_error",
    "zenml_register_artifact_stores",
    "zenml_register_materializers",
    "zenml_register_metadata_stores",
    "zenml_register_orchestrators",
    "zenml_register_processing_backends",
    "zenml_register_step_classes",
    "zenml_register_training_backends",
]

# --------------------------------------------------------------------------------------------
# Registration: called once per process when the registry is first needed. Register classes by
# import path ("package.module:Class") so that listing flavors never imports heavy libraries.
# --------------------------------------------------------------------------------------------


@hookspec
def zenml_register_artifact_stores(registry: ComponentRegistrar) -> None:
    """Add artifact store flavors.

    Call ``registry.add("name", implementation="pkg.mod:Store", config="pkg.mod:StoreConfig",
    description="...")`` once per flavor. The implementation subclasses
    ``zenml_core.artifact_stores.base.BaseArtifactStore``; the config is a frozen attrs class.
    """


@hookspec
def zenml_register_metadata_stores(registry: ComponentRegistrar) -> None:
    """Add metadata store flavors (subclasses of ``BaseMetadataStore``), as for artifact stores."""


@hookspec
def zenml_register_orchestrators(registry: ComponentRegistrar) -> None:
    """Add orchestrator flavors (subclasses of ``BaseOrchestrator``), as for artifact stores."""


@hookspec
def zenml_register_processing_backends(registry: ComponentRegistrar) -> None:
    """Add processing backend flavors (subclasses of ``BaseProcessingBackend``)."""


@hookspec
def zenml_register_training_backends(registry: ComponentRegistrar) -> None:
    """Add training backend (step operator) flavors (subclasses of ``BaseTrainingBackend``)."""


@hookspec
def zenml_register_materializers(registry: MaterializerRegistrar) -> None:
    """Add materializers: ``registry.add("numpy:ndarray", materializer="pkg.mod:Materializer")``.

    The first argument is the import path of the Python type the materializer reads and writes;
    naming it as a string keeps the type's library unimported until an artifact needs it.
    """


@hookspec
def zenml_register_step_classes(registry: StepClassRegistrar) -> None:
    """Add step classes users can subclass: ``registry.add("Name", implementation="pkg.mod:Cls",
    description="...")``."""


# --------------------------------------------------------------------------------------------
# Command line: called when the ``zenml`` command is built.
# --------------------------------------------------------------------------------------------


@hookspec
def zenml_add_cli_commands(cli: click.Group) -> None:
    """Add click commands or groups to the ``zenml`` command with ``cli.add_command(...)``.

    Import heavy libraries inside the command functions, not here: this hook runs on every
    ``zenml`` invocation, including ``zenml --help``.
    """


# --------------------------------------------------------------------------------------------
# Lifecycle: called by the step runner and orchestrators around pipeline and step execution.
# Exceptions raised by these hooks propagate and fail the run.
# --------------------------------------------------------------------------------------------


@hookspec
def zenml_before_pipeline_run(pipeline_name: str, run_id: str, stack: Stack) -> None:
    """Called after the run is recorded as ``running`` and before its first step starts."""


@hookspec
def zenml_after_pipeline_run(pipeline_name: str, run_id: str, stack: Stack, status: str) -> None:
    """Called once the run has ended, with its final status (``completed`` or ``failed``)."""


@hookspec
def zenml_on_pipeline_error(
    pipeline_name: str, run_id: str, stack: Stack, error: BaseException
) -> None:
    """Called when a run fails, with the exception that failed it, before ``after_pipeline_run``."""


@hookspec
def zenml_before_step_run(pipeline_name: str, run_id: str, step_name: str, stack: Stack) -> None:
    """Called in the process that executes the step, just before the step's code runs."""


@hookspec
def zenml_after_step_run(
    pipeline_name: str, run_id: str, step_name: str, stack: Stack, status: str
) -> None:
    """Called after a step ends, with its status (``completed``, ``cached`` or ``failed``)."""


@hookspec
def zenml_on_step_error(
    pipeline_name: str, run_id: str, step_name: str, stack: Stack, error: BaseException
) -> None:
    """Called when a step's code raises, with the exception, before ``after_step_run``."""
