"""``zenml <kind> register|list|describe|delete|flavors``, generated once for every kind."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import attrs
import click

from zenml_core.cli.context import CLIContext
from zenml_core.cli.output import output_option, print_document, print_rows
from zenml_core.errors import ConfigError
from zenml_core.stack.component import ComponentKind


def parse_settings(tokens: Sequence[str]) -> dict[str, str]:
    """Parse ``--key=value``, ``--key value`` and ``key=value`` into raw text settings."""
    settings: dict[str, str] = {}
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.startswith("--"):
            key, sep, value = token[2:].partition("=")
            if not sep:
                if index < len(tokens) and not tokens[index].startswith("--"):
                    value = tokens[index]
                    index += 1
                else:
                    value = "true"  # a bare --flag
        else:
            key, sep, value = token.partition("=")
            if not sep:
                raise ConfigError(f"cannot read setting {token!r}; write --key=value")
        if not key:
            raise ConfigError(f"cannot read setting {token!r}; write --key=value")
        settings[key.replace("-", "_")] = value
    return settings


def component_group(kind: ComponentKind) -> click.Group:
    """The command group for one component kind."""

    group = click.Group(kind.cli_name, help=f"Manage {kind.noun}s.")

    @group.command(
        "register",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.argument("name")
    @click.option("--flavor", "-f", required=True, help=f"See `zenml {kind.cli_name} flavors`.")
    @click.argument("settings", nargs=-1, type=click.UNPROCESSED)
    @click.pass_obj
    def register(context: CLIContext, name: str, flavor: str, settings: tuple[str, ...]) -> None:
        """Register NAME of FLAVOR; flavor settings follow as --key=value."""
        from zenml_core.config.environment import parse_field_value
        from zenml_core.config.models import ComponentConfig
        from zenml_core.stack.builder import component_settings

        repository = context.repository()
        config = repository.load_config()
        registry = context.plugins.registry
        config_cls = registry.flavor(kind, flavor).load_config_class()
        values = {
            key: parse_field_value(config_cls, key, raw, source=f"--{key.replace('_', '-')}")
            for key, raw in parse_settings(settings).items()
        }
        from zenml_core.config.secrets import secret_field_names

        component = ComponentConfig(flavor=flavor, config=values)
        component_settings(kind, name, component, registry, source="command line")
        secrets = [key for key in secret_field_names(config_cls) if values.get(key) is not None]
        repository.save_config(config.with_component(kind, name, component), private=bool(secrets))
        click.echo(f"Registered {kind.noun} {name!r} ({flavor}).")
        if secrets:
            given = ", ".join(f"--{key.replace('_', '-')}" for key in secrets)
            hint = (
                f"--{secrets[0].replace('_', '-')}-env=VARIABLE"
                if any(f.name == f"{secrets[0]}_env" for f in attrs.fields(config_cls))
                else f"{kind.env_prefix}{secrets[0].upper()}"
            )
            click.echo(
                f"Warning: {repository.config_path} now holds {given} in clear text; it is "
                f"readable by you only (0600), but it can be committed to git: prefer {hint}",
                err=True,
            )

    @group.command("list")
    @output_option
    @click.pass_obj
    def list_components(context: CLIContext, output: str) -> None:
        """List registered components of this kind and the stacks using them."""
        from zenml_core.config.secrets import public_raw_settings

        config = context.repository().load_config()
        registry = context.plugins.registry
        rows = [
            {
                "name": name,
                "flavor": component.flavor,
                "used_by": config.stacks_using(kind, name),
                "settings": public_raw_settings(
                    component.config, registry.config_class_if_known(kind, component.flavor)
                ),
            }
            for name, component in sorted(config.components.get(kind, {}).items())
        ]
        print_rows(rows, ["name", "flavor", "used_by"], output, empty=f"No {kind.noun}s.")

    @group.command("describe")
    @click.argument("name")
    @output_option
    @click.pass_obj
    def describe(context: CLIContext, name: str, output: str) -> None:
        """Show one component: flavor, implementation and effective settings."""
        from zenml_core.stack.builder import component_settings, effective_settings

        repository = context.repository()
        config = repository.load_config()
        component = config.component(kind, name)
        registry = context.plugins.registry
        flavor = registry.flavor(kind, component.flavor)
        settings = component_settings(
            kind, name, component, registry, source=str(repository.config_path), environ=os.environ
        )
        document: dict[str, Any] = {
            "name": name,
            "kind": kind.value,
            "flavor": flavor.name,
            "implementation": flavor.implementation,
            "distribution": flavor.distribution,
            "used_by": config.stacks_using(kind, name),
            "settings": effective_settings(settings),
        }
        print_document(document, output)

    @group.command("delete")
    @click.argument("name")
    @click.pass_obj
    def delete(context: CLIContext, name: str) -> None:
        """Delete NAME; refused while a stack uses it."""
        repository = context.repository()
        repository.save_config(repository.load_config().without_component(kind, name))
        click.echo(f"Deleted {kind.noun} {name!r}.")

    @group.command("flavors")
    @output_option
    @click.pass_obj
    def flavors(context: CLIContext, output: str) -> None:
        """List the flavors installed plugins provide for this kind."""
        rows = [
            {
                "flavor": flavor.name,
                "distribution": flavor.distribution,
                "implementation": flavor.implementation,
                "config": flavor.config,
                "description": flavor.description,
            }
            for flavor in context.plugins.registry.flavors(kind)
        ]
        print_rows(
            rows,
            ["flavor", "distribution", "description"],
            output,
            empty=f"No {kind.noun} flavors installed.",
        )

    return group


def component_groups() -> list[click.Group]:
    return [component_group(kind) for kind in ComponentKind]
