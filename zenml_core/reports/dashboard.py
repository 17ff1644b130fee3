"""``zenml dashboard``: a local, read-only web UI over the live metadata store.

Pages: pipelines and runs (filtered by pipeline and status), a run (the run report's content,
reloading itself every few seconds while the run is running), an artifact, and two runs
compared. Served by the standard library's ``http.server`` (a thread per request): a local
page for one person needs no web framework, and nothing is installed for it or imported
before the command runs. Bound to 127.0.0.1 unless told otherwise; it only reads (a
``Client(read_only=True)``: runs that look orphaned are shown as such, never failed).
"""

from __future__ import annotations

import json
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from zenml_core.errors import ZenMLError
from zenml_core.reports import html

if TYPE_CHECKING:
    from zenml_core.client import Client

DEFAULT_PORT = 8237  # also in zenml_core.cli.dashboard
REFRESH_SECONDS = 2  # how often the page of a running run reloads
RUNS_SHOWN = 50
STATUSES = ("running", "completed", "failed")


def _nav(extra: str = "") -> str:
    return f'<nav class="top"><a href="/">zenml dashboard</a>{extra}</nav>'


def _run_link(name: str) -> str:
    return f'<a href="/runs/{quote(name)}">{escape(name)}</a>'


class Pages:
    """The dashboard's pages as HTML text, each from a fresh read of the store."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def index(self, query: dict[str, str]) -> str:
        pipeline = query.get("pipeline") or None
        status = query.get("status") if query.get("status") in STATUSES else None
        client = self.client
        orphans = client.metadata.orphans()
        runs = client.runs(pipeline=pipeline, status=status, limit=RUNS_SHOWN)
        pipelines = client.pipelines()
        pipeline_rows = [
            (f'<a href="/?pipeline={quote(p.name)}">{escape(p.name)}</a>', str(p.runs))
            for p in pipelines
        ]
        run_rows = []
        for run in runs:
            record = run.record
            duration = (
                "" if record.ended_at is None
                else f"{(record.ended_at - record.started_at).total_seconds() * 1000:.0f} ms"
            )  # fmt: skip
            looks = orphans.get(record.id)
            state = html.badge(record.status) + (
                f' <span class="orphaned" title="{escape(looks)}">looks orphaned</span>'
                if looks else ""
            )  # fmt: skip
            run_rows.append(
                (_run_link(record.name), escape(record.pipeline), state,
                 escape(record.started_at.astimezone().isoformat(timespec="seconds")), duration)
            )  # fmt: skip

        def options(chosen: int) -> str:  # A: the second newest, B: the newest
            return "".join(
                f'<option value="{escape(run.name)}"{" selected" * (index == chosen)}>'
                f"{escape(run.name)}</option>"
                for index, run in enumerate(runs)
            )

        filters = " ".join(
            f'<a href="/?{("pipeline=" + quote(pipeline) + "&") if pipeline else ""}status={s}"'
            f' class="filter">{s}</a>'
            for s in STATUSES
        )
        title = f"Runs of {escape(pipeline)}" if pipeline else "Runs"
        body = (
            _nav()
            + "<main><h2>Pipelines</h2>"
            + (html.table(pipeline_rows, ("pipeline", "runs"), "pipelines") or "<p>None yet.</p>")
            + f'<h2>{title}{f" ({escape(status)})" if status else ""}</h2>'
            + f'<p>Show: <a href="/" class="filter">all</a> {filters}</p>'
            + (html.table(run_rows, ("run", "pipeline", "status", "started", "duration"), "runs")
               or '<p class="muted">No runs.</p>')
            + '<h2>Compare two runs</h2><form action="/compare" method="get">'
            + f'<select name="a">{options(1)}</select> with <select name="b">{options(0)}</select> '
            + '<button type="submit">compare</button></form></main>'
        )  # fmt: skip
        return html.page("zenml dashboard", body)

    def run(self, reference: str) -> str:
        from zenml_core.reports.document import run_document

        run = self.client.run(reference)
        document = run_document(self.client, run)
        running = document["run"]["status"] == "running"
        pipeline = quote(run.record.pipeline)
        pipeline_link = f' \u00b7 <a href="/?pipeline={pipeline}">its pipeline</a>'
        return html.page(
            f"{run.name} \u00b7 zenml dashboard",
            _nav(pipeline_link) + html.run_body(document, artifact_links=True),
            refresh_seconds=REFRESH_SECONDS if running else None,
        )

    def artifact(self, artifact_id: str) -> str:
        from zenml_core.reports.document import ArtifactDocuments

        artifact = self.client.artifact(int(artifact_id))
        document = ArtifactDocuments().document(artifact)
        producer = artifact.record.producer_id
        made_by = ""
        if producer is not None:
            step = self.client.step_run(producer)
            run = self.client.metadata.get_run(step.record.run_id)
            made_by = f"<p>written by step {escape(step.name)} of run {_run_link(run.name)}</p>"
        body = (
            _nav()
            + f'<main><h2 id="artifact" data-artifact-id="{artifact.id}">Artifact {artifact.id}'
            + f"</h2>{made_by}"
            + html.artifacts_block("value", {artifact.record.output_name: document})
            + "<h4>metadata</h4>"
            + html.mapping_table(artifact.record.metadata or {"-": None})
            + f'<p class="muted">{escape(artifact.uri)}</p></main>'
        )
        return html.page(f"artifact {artifact.id} \u00b7 zenml dashboard", body)

    def compare(self, query: dict[str, str]) -> str:
        a, b = query.get("a"), query.get("b")
        if not a or not b:
            raise ZenMLError("compare needs two runs: /compare?a=RUN&b=RUN")
        diff = self.client.diff(a, b).to_dict()
        heading = f"<p>A: {_run_link(diff['a'])}<br>B: {_run_link(diff['b'])}</p>"
        return html.page("compare \u00b7 zenml dashboard", _nav() + "<main>" + heading
                         + html.diff_section(diff) + "</main>")  # fmt: skip

    def route(self, target: str) -> tuple[HTTPStatus, str, str]:
        """(status, content type, body) for a request target such as ``/runs/NAME``."""
        parts = urlsplit(target)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        path = [unquote(p) for p in parts.path.split("/") if p]
        try:
            if not path:
                return HTTPStatus.OK, "text/html", self.index(query)
            if path[0] == "runs" and len(path) == 2:
                return HTTPStatus.OK, "text/html", self.run(path[1])
            if path[0] == "artifacts" and len(path) == 2 and path[1].isdigit():
                return HTTPStatus.OK, "text/html", self.artifact(path[1])
            if path == ["compare"]:
                return HTTPStatus.OK, "text/html", self.compare(query)
            if path[0] == "api" and path[1:2] == ["runs"] and len(path) == 3:
                from zenml_core.reports.document import run_document

                run = self.client.run(path[2])
                text = json.dumps(run_document(self.client, run), default=str)
                return HTTPStatus.OK, "application/json", text
        except ZenMLError as exc:  # an unknown run or artifact: one line, not a traceback
            return HTTPStatus.NOT_FOUND, "text/html", _message(str(exc))
        return HTTPStatus.NOT_FOUND, "text/html", _message(f"no page at {parts.path}")


def _message(text: str) -> str:
    return html.page(
        "zenml dashboard", _nav() + f'<main><p class="error">{escape(text)}</p></main>'
    )


def make_server(
    client: Client, host: str = "127.0.0.1", port: int = DEFAULT_PORT
) -> ThreadingHTTPServer:
    """A server for the dashboard (``port`` 0: any free port; see ``server_address``)."""
    pages = Pages(client)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, content_type, body = pages.route(self.path)
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # one line per request would bury the URL the command printed

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    return server
