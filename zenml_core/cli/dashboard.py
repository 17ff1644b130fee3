"""``zenml dashboard``: the local read-only web UI (see :mod:`zenml_core.reports.dashboard`)."""

from __future__ import annotations

import click

from zenml_core.cli.context import CLIContext

DEFAULT_PORT = 8237  # zenml_core.reports.dashboard.DEFAULT_PORT, not imported for --help


@click.command("dashboard")
@click.option("--port", type=int, default=DEFAULT_PORT, show_default=True, help="0: any free port.")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on (another than 127.0.0.1 shows your runs to the network).",
)
@click.pass_obj
def dashboard(context: CLIContext, port: int, host: str) -> None:
    """Serve a read-only web UI over the active stack's metadata store: pipelines, runs (live
    while running), artifacts, and two runs compared. Ctrl-C stops it."""
    from zenml_core.client import Client
    from zenml_core.reports.dashboard import make_server

    client = Client(context.repository(), plugins=context.plugins, read_only=True)
    try:
        server = make_server(client, host, port)
    except OSError as exc:
        raise click.ClickException(
            f"cannot listen on {host}:{port} ({exc.strerror}); choose another with --port"
        ) from exc
    bound_host, bound_port = str(server.server_address[0]), int(server.server_address[1])
    click.echo(f"Dashboard at http://{bound_host}:{bound_port}/ (read-only; Ctrl-C stops it)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
