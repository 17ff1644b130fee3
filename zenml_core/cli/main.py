"""The root ``zenml`` group: one-line errors, ``--debug``, and commands added by plugins.

``CLIContext`` is re-exported here for plugins written against earlier versions.
"""

from __future__ import annotations

import sys
import warnings
from typing import TYPE_CHECKING, Any

import click

from zenml_core.cli.context import CLIContext
from zenml_core.errors import ZenMLError

if TYPE_CHECKING:
    from zenml_core.plugin.manager import PluginManager

__all__ = ["CLIContext", "ZenMLGroup", "build_cli", "main"]


class ZenMLGroup(click.Group):
    """Turns errors into one ``Error: ...`` line and a non-zero exit, unless ``--debug``."""

    def invoke(self, ctx: click.Context) -> Any:
        from zenml_core.config.secrets import redact, redacting

        try:
            result = redacting(lambda: super(ZenMLGroup, self).invoke(ctx))
            sys.stdout.flush()  # a reader that left shows here, not at interpreter exit
            return result
        except (click.exceptions.Exit, click.Abort):
            raise
        except click.ClickException as exc:
            if redact(exc.message) == exc.message:
                raise
            raise click.ClickException(redact(exc.message)) from exc
        except BrokenPipeError:
            # `zenml runs show X | head`: the reader left; stop quietly, like other tools.
            import os

            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(141) from None
        except Exception as exc:
            context = ctx.find_object(CLIContext)
            if context is not None and context.debug:
                raise
            if isinstance(exc, ZenMLError):
                raise click.ClickException(redact(str(exc))) from exc
            raise click.ClickException(
                redact(f"unexpected {type(exc).__name__}: {exc}")
                + " (`zenml --debug ...` shows the traceback)"
            ) from exc


def build_cli(plugins: PluginManager) -> click.Group:
    """A fresh ``zenml`` group with the core's commands and those that plugins add."""
    from zenml_core.cli import components, pipeline, repo, runs, stack
    from zenml_core.cli.dashboard import dashboard
    from zenml_core.cli.plugins import plugins_group
    from zenml_core.cli.schedules import schedule_pipeline, schedules
    from zenml_core.cli.steps import steps_group

    @click.group(cls=ZenMLGroup, context_settings={"help_option_names": ["-h", "--help"]})
    @click.option("--debug", is_flag=True, envvar="ZENML_DEBUG", help="Show tracebacks on errors.")
    @click.pass_context
    def cli(ctx: click.Context, debug: bool) -> None:
        """zenml: typed pipeline steps, immutable artifacts, recorded runs."""
        context = ctx.ensure_object(CLIContext)
        context.debug = debug

    for command in (
        repo.version,
        repo.init,
        repo.status,
        stack.stack,
        pipeline.pipeline,
        runs.runs,
        runs.artifacts,
        runs.metadata,
        plugins_group,
        steps_group,
        dashboard,
        schedules,
        *components.component_groups(),
    ):
        cli.add_command(command)
    pipeline.pipeline.add_command(schedule_pipeline)
    plugins.add_cli_commands(cli)
    return cli


def _show_warning(
    message: Any, category: Any, filename: str, lineno: int, *_: Any, **__: Any
) -> None:
    click.echo(f"Warning: {message}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``zenml`` console script."""
    from zenml_core.plugin.manager import PluginLoadWarning, create_plugin_manager

    original = warnings.showwarning

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, PluginLoadWarning):
            _show_warning(message, category, *args, **kwargs)
        else:
            original(message, category, *args, **kwargs)

    warnings.showwarning = show
    plugins = create_plugin_manager()
    cli = build_cli(plugins)
    cli.main(
        args=sys.argv[1:] if argv is None else argv, prog_name="zenml", obj=CLIContext(plugins)
    )
