"""Generate docs/hooks.md and docs/cli.md from the code (`python scripts/generate_docs.py`).

tests/test_docs.py regenerates both and fails if the committed files differ, so the reference
cannot drift from the hook specs and the click commands.
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs"


def hooks_markdown() -> str:
    from zenml_core.plugin import PROJECT_NAME, spec

    source = inspect.getsource(spec)
    lines = [
        "# Hook reference",
        "",
        "Generated from `zenml_core/plugin/spec.py` by `scripts/generate_docs.py`; do not edit.",
        "Implement a hook with a function of the same name decorated with",
        "`@zenml_core.hookimpl`; hooks are called with keyword arguments, and an implementation",
        "may accept only the arguments it uses.",
        "",
    ]
    hooks = [
        (source.index(f"def {name}("), name, function)
        for name, function in vars(spec).items()
        if inspect.isfunction(function) and hasattr(function, f"{PROJECT_NAME}_spec")
    ]
    for _, name, function in sorted(hooks):
        signature = str(inspect.signature(function)).replace("'", "")
        marker = "<!-- doc-test: skip: a hook's signature -->"
        lines += [f"## `{name}`", "", marker, "```python", f"def {name}{signature}", "```", ""]
        lines += [inspect.getdoc(function) or "", ""]
    return "\n".join(lines).rstrip() + "\n"


def cli_markdown() -> str:
    import click

    from zenml_core.cli.main import build_cli
    from zenml_core.plugin.manager import create_plugin_manager

    root = build_cli(create_plugin_manager(autoload=False))
    lines = [
        "# Command reference",
        "",
        "Generated from the click commands by `scripts/generate_docs.py`; do not edit.",
        "Commands that plugins add appear in `zenml --help` once they are installed.",
        "",
    ]

    def document(command: click.Command, path: list[str], parent: click.Context | None) -> None:
        context = command.make_context(
            path[-1], [], parent=parent, resilient_parsing=True,
            terminal_width=100, max_content_width=100,
        )  # fmt: skip
        help_text = command.get_help(context)
        lines.extend([f"## `{' '.join(path)}`", "", "```text", help_text, "```", ""])
        if isinstance(command, click.Group):
            for name in sorted(command.list_commands(context)):
                child = command.get_command(context, name)
                if child is not None:
                    document(child, [*path, name], context)

    document(root, ["zenml"], None)
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    (DOCS / "hooks.md").write_text(hooks_markdown(), encoding="utf-8")
    (DOCS / "cli.md").write_text(cli_markdown(), encoding="utf-8")
    print(f"wrote {DOCS / 'hooks.md'} and {DOCS / 'cli.md'}", file=sys.stderr)


if __name__ == "__main__":
    main()
