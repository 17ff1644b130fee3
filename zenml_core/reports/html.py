"""A run document (see :mod:`zenml_core.reports.document`) as one self-contained HTML page.

No network and no scripts: the styles are inline, the DAG and the charts are inline SVG, images
are data URLs. Every value shown is escaped. The dashboard serves the same page, refreshing
it while the run is still running.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from zenml_core.reports.charts import line_chart
from zenml_core.reports.dag import dag_svg

JSON_CHARACTERS = 4000

STYLE = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1f2328;
background:#f6f8fa}
header,main{max-width:1200px;margin:0 auto;padding:12px 20px}
header{background:#fff;border-bottom:1px solid #d0d7de;max-width:none}
h1{font-size:20px;margin:6px 0}h2{font-size:16px;margin:22px 0 8px}h3{font-size:15px;margin:0}
a{color:#0969da;text-decoration:none}
table{border-collapse:collapse;margin:6px 0;background:#fff}
td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
pre{background:#fff;border:1px solid #d0d7de;padding:8px;overflow:auto;max-height:320px}
.badge{display:inline-block;border-radius:10px;padding:1px 9px;font-size:12px;color:#fff}
.status-completed .badge,.badge.status-completed{background:#1a7f37}
.badge.status-cached{background:#0969da}.badge.status-failed{background:#cf222e}
.badge.status-skipped{background:#6e7781}.badge.status-running{background:#9a6700}
.badge.status-pending{background:#afb8c1}
.dag-box{overflow:auto;background:#fff;border:1px solid #d0d7de;padding:6px}
.dag .edge{fill:none;stroke:#8c959f;stroke-width:1.5}
.dag .node rect{stroke-width:1.5;fill:#fff;stroke:#8c959f}
.dag .status-completed rect{fill:#dafbe1;stroke:#1a7f37}
.dag .status-cached rect{fill:#ddf4ff;stroke:#0969da}
.dag .status-failed rect{fill:#ffebe9;stroke:#cf222e}
.dag .status-skipped rect{fill:#eaeef2;stroke:#6e7781;stroke-dasharray:4 3}
.dag .status-running rect{fill:#fff8c5;stroke:#9a6700}
.dag .status-pending rect{fill:#f6f8fa;stroke:#afb8c1;stroke-dasharray:2 3}
.dag text.name{font-weight:600;font-size:13px}.dag text.detail{font-size:11px;fill:#57606a}
.step{background:#fff;border:1px solid #d0d7de;border-radius:6px;padding:10px 14px;margin:10px 0}
.reason{color:#57606a;margin:4px 0}.muted{color:#57606a}
.chart .line{fill:none;stroke:#0969da;stroke-width:1.8}.chart .point{fill:#0969da}
.chart .axis{stroke:#8c959f}.chart text{font-size:11px;fill:#57606a}
.chart text.title{font-weight:600;fill:#1f2328}
.charts{display:flex;flex-wrap:wrap;gap:10px}
img.preview{max-width:420px;border:1px solid #d0d7de}
.delta-up{color:#1a7f37}.delta-down{color:#cf222e}
nav.top{background:#24292f;color:#fff;padding:10px 20px}nav.top a{color:#fff;font-weight:600}
.orphaned{color:#9a6700;font-weight:600}.filter{margin-right:6px}
"""


def _text(value: Any) -> str:
    if value is None:
        return '<span class="muted">-</span>'
    if isinstance(value, str):
        return escape(value)
    return escape(json.dumps(value, default=str))


def badge(status: str) -> str:
    return f'<span class="badge status-{escape(status)}">{escape(status)}</span>'


def table(rows: list[tuple[Any, ...]], header: tuple[str, ...], css: str = "") -> str:
    if not rows:
        return ""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        '<tr class="row">' + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def mapping_table(values: dict[str, Any], css: str = "") -> str:
    return table([(escape(k), _text(v)) for k, v in values.items()], ("name", "value"), css)


def _preview(shown: dict[str, Any]) -> str:
    kind = shown["kind"]
    if kind in ("dataframe", "series"):
        columns = list(shown["columns"])
        rows, *rest = shown["shape"]
        size = f"{rows} rows \u00d7 {rest[0]} columns" if rest else f"{rows} rows"
        schema = ", ".join(f"{escape(c)}: {escape(t)}" for c, t in shown["columns"].items())
        frame = table(
            [tuple(_text(row.get(c)) for c in columns) for row in shown["head"]],
            tuple(columns),
            "preview-frame",
        )
        more = f" (first {len(shown['head'])})" if rows > len(shown["head"]) else ""
        return f'<p class="muted">{size}{more}; schema: {schema}</p>{frame}'
    if kind == "array":
        shape = " \u00d7 ".join(str(n) for n in shown["shape"]) or "scalar"
        summary = shown.get("summary") or {}
        stats = ", ".join(f"{k} {v:.6g}" for k, v in summary.items())
        values = ", ".join(str(v) for v in shown["values"]) + (
            ", \u2026" if shown["truncated"] else ""
        )
        return (
            f'<p class="preview-array">array {escape(shape)} {escape(shown["dtype"])}'
            f"{'; ' + escape(stats) if stats else ''}</p><pre>[{escape(values)}]</pre>"
        )
    if kind == "image":
        return f'<img class="preview" alt="image" src="data:image/png;base64,{shown["base64"]}">'
    if kind == "json":
        text = json.dumps(shown["value"], indent=2, ensure_ascii=False)
        if len(text) > JSON_CHARACTERS:
            text = text[:JSON_CHARACTERS] + "\n\u2026"
        return f'<pre class="preview-json">{escape(text)}</pre>'
    if kind == "bytes":
        return f'<p class="muted">{shown["size"]} bytes: {escape(shown["head"])}\u2026</p>'
    return f"<pre>{escape(str(shown.get('text', '')))}</pre>"


def artifacts_block(
    title: str, artifacts: dict[str, dict[str, Any]], *, links: bool = False
) -> str:
    if not artifacts:
        return ""
    parts = [f"<h4>{escape(title)}</h4>"]
    for name, artifact in artifacts.items():
        facts = (
            f"{escape(artifact['type'])}, {artifact['size']} bytes, "
            f"hash {escape(artifact['content_hash'].rpartition(':')[2][:12])}, "
            + (
                f'<a href="/artifacts/{artifact["id"]}">id {artifact["id"]}</a>'
                if links
                else f"id {artifact['id']}"
            )
        )
        shown = (
            _preview(artifact["preview"])
            if artifact.get("preview")
            else f'<p class="muted no-preview">{escape(artifact.get("no_preview") or "")}</p>'
        )
        parts.append(
            f'<div class="artifact" data-artifact="{escape(name)}"><b>{escape(name)}</b> '
            f'<span class="muted">{facts}</span>{shown}</div>'
        )
    return "".join(parts)


def _step(step: dict[str, Any], links: bool) -> str:
    name = step["name"]
    duration = step.get("duration_ms")
    head = (
        f"<h3>{escape(name)} {badge(step['status'])}"
        f"{f' <span class=muted>{duration:.0f} ms</span>' if duration is not None else ''}"
        f"{' <span class=muted>from run ' + escape(step['cached_from_run']) + '</span>' if step.get('cached_from_run') else ''}"  # noqa: E501
        "</h3>"
    )
    parts = [head]
    if step.get("reason"):
        parts.append(f'<p class="reason">{escape(step["reason"])}</p>')
    if step.get("error"):
        parts.append(f'<p class="error"><b>{escape(step["error"])}</b></p>')
    if step.get("traceback"):
        parts.append(f'<pre class="traceback">{escape(step["traceback"])}</pre>')
    if step.get("parameters"):
        parts.append("<h4>parameters</h4>" + mapping_table(step["parameters"], "parameters"))
    parts.append(artifacts_block("inputs", step.get("inputs") or {}, links=links))
    parts.append(artifacts_block("outputs", step.get("outputs") or {}, links=links))
    if step.get("metadata"):
        parts.append("<h4>metadata</h4>" + mapping_table(step["metadata"], "metadata"))
    if step.get("logs"):
        parts.append(f'<h4>logs</h4><pre class="logs">{escape(step["logs"])}</pre>')
    if step.get("series"):
        charts = "".join(line_chart(n, points) for n, points in step["series"].items())
        parts.append(f'<h4>metrics</h4><div class="charts">{charts}</div>')
    return (
        f'<section class="step" id="step-{escape(name)}" data-step="{escape(name)}" '
        f'data-status="{escape(step["status"])}">{"".join(parts)}</section>'
    )


def _delta(change: dict[str, Any]) -> str:
    delta = change.get("delta")
    if delta is None:
        return ""
    css = "delta-up" if delta > 0 else "delta-down" if delta < 0 else ""
    return f'<span class="{css}">{delta:+.6g}</span>'


def diff_section(diff: dict[str, Any]) -> str:
    run_rows = [
        (escape(c["name"]), _text(c["a"]), _text(c["b"]), _delta(c))
        for c in [diff["pipeline"], *diff["parameters"], *diff["git"], diff["stack"]]
        if not c["same"]
    ]
    step_rows = []
    metadata_rows = []
    for step in diff["steps"]:
        for change in step["metadata"]:
            if not change["same"]:
                metadata_rows.append(
                    (escape(f"{step['step']}.{change['name']}"), _text(change["a"]),
                     _text(change["b"]), _delta(change))
                )  # fmt: skip
        if step["same"]:
            continue
        changed = {k: v for k, v in {**step["inputs"], **step["outputs"]}.items() if v != "same"}
        parameters = [f"{c['name']}: {c['a']!r} \u2192 {c['b']!r}" for c in step["parameters"]]
        step_rows.append(
            (
                escape(step["step"]),
                f"{_text(step['status']['a'])} \u2192 {_text(step['status']['b'])}",
                escape(", ".join(step["code_changed"])),
                escape(", ".join(parameters)),
                escape(", ".join(f"{k}: {v}" for k, v in changed.items())),
            )
        )
    return (
        f'<section id="diff"><h2>Compared with run {escape(diff["a"])}</h2>'
        + (table(run_rows, ("", "baseline", "this run", "delta"), "diff-run")
           or "<p>Same pipeline, parameters, git state and stack.</p>")
        + (table(step_rows, ("step", "status", "code changed", "parameters", "data"),
                  "diff-steps") or "<p>Every step has the same status, code and data.</p>")
        + table(metadata_rows, ("metadata", "baseline", "this run", "delta"), "diff-metadata")
        + "</section>"
    )  # fmt: skip


def page(title: str, body: str, *, refresh_seconds: int | None = None) -> str:
    """A whole HTML page around ``body``."""
    refresh = f'<meta http-equiv="refresh" content="{refresh_seconds}">' if refresh_seconds else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{refresh}'
        f"<title>{escape(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>"
    )


def run_body(document: dict[str, Any], *, artifact_links: bool = False) -> str:
    """The report of one run, without the page around it; ``artifact_links``: artifact ids
    link to the dashboard's artifact pages."""
    run = document["run"]
    facts = {
        "pipeline": run["pipeline"],
        "started": run["started"],
        "duration": None if run["duration_ms"] is None else f"{run['duration_ms']:.0f} ms",
        "git commit": (run["git_commit"] or "")[:12] or None,
        "uncommitted changes": run["git_dirty"],
        "stack": run["stack"],
        "id": run["id"],
    }
    orphaned = (
        f'<p class="error orphaned">looks orphaned: {escape(run["looks_orphaned"])}</p>'
        if run.get("looks_orphaned")
        else ""
    )
    error = f'<p class="error"><b>{escape(run["error"])}</b></p>' if run.get("error") else ""
    counts: dict[str, int] = {}
    for step in document["steps"]:
        counts[step["status"]] = counts.get(step["status"], 0) + 1
    summary = ", ".join(f"{n} {status}" for status, n in counts.items())
    parameters = mapping_table(run["parameters"], "run-parameters") if run["parameters"] else ""
    steps = "".join(_step(step, artifact_links) for step in document["steps"])
    diff = diff_section(document["diff"]) if document.get("diff") else ""
    return (
        f'<header><h1 id="run" data-status="{escape(run["status"])}">{escape(run["name"])} '
        f"{badge(run['status'])}</h1>{orphaned}{error}"
        f"{mapping_table({k: v for k, v in facts.items() if v is not None}, 'facts')}</header>"
        f"<main><h2>Steps <span class=muted>({escape(summary)})</span></h2>"
        f'<div class="dag-box">{dag_svg(document["steps"])}</div>'
        f"{'<h2>Parameters</h2>' + parameters if parameters else ''}{diff}"
        f"<h2>Step details</h2>{steps}</main>"
    )


def run_report(document: dict[str, Any]) -> str:
    """The self-contained report file of one run."""
    return page(f"{document['run']['name']} \u00b7 zenml run report", run_body(document))
