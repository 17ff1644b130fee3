"""A run's DAG drawn as SVG: one node per step, coloured by status, left to right.

Layout: each step sits in the column after its furthest upstream step (longest path), steps of
one column stacked in the order they were recorded; edges are curves from the right side of
the upstream node to the left side of the downstream one. Each node links to the step's
section of the page and carries ``data-step`` and ``data-status`` for scripts and tests.
"""

from __future__ import annotations

from html import escape
from typing import Any

NODE_WIDTH, NODE_HEIGHT = 176, 50
COLUMN_GAP, ROW_GAP = 48, 18
MARGIN = 12
NAME_CHARACTERS = 24


def layout(steps: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Column and row of each step."""
    names = [step["name"] for step in steps]
    known = set(names)
    upstream = {step["name"]: [u for u in step.get("upstream", []) if u in known] for step in steps}
    column: dict[str, int] = {}
    waiting = names
    while waiting:  # one pass when steps come producers first, as runs record them
        later = []
        for name in waiting:
            if all(u in column for u in upstream[name]):
                column[name] = 1 + max((column[u] for u in upstream[name]), default=-1)
            else:
                later.append(name)
        if len(later) == len(waiting):  # a cycle (a damaged record): in one last column
            last = 1 + max(column.values(), default=-1)
            column.update(dict.fromkeys(later, last))
            break
        waiting = later
    rows: dict[int, int] = {}
    placed = {}
    for name in names:
        col = column[name]
        placed[name] = (col, rows.get(col, 0))
        rows[col] = rows.get(col, 0) + 1
    return placed


def _short(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def _duration(ms: float | None) -> str:
    if ms is None:
        return ""
    return f"{ms:.0f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def dag_svg(steps: list[dict[str, Any]]) -> str:
    """The SVG element of the DAG of ``steps`` (run-document steps)."""
    placed = layout(steps)
    if not placed:
        return '<svg class="dag" width="0" height="0"></svg>'

    def corner(name: str) -> tuple[int, int]:
        col, row = placed[name]
        return (
            MARGIN + col * (NODE_WIDTH + COLUMN_GAP),
            MARGIN + row * (NODE_HEIGHT + ROW_GAP),
        )

    width = MARGIN * 2 + (max(c for c, _ in placed.values()) + 1) * (NODE_WIDTH + COLUMN_GAP)
    height = MARGIN * 2 + (max(r for _, r in placed.values()) + 1) * (NODE_HEIGHT + ROW_GAP)
    parts = [
        f'<svg class="dag" xmlns="http://www.w3.org/2000/svg" width="{width - COLUMN_GAP}" '
        f'height="{height - ROW_GAP}" role="img" aria-label="pipeline DAG">'
    ]
    for step in steps:
        x2, y2 = corner(step["name"])
        for before in step.get("upstream", []):
            if before not in placed:
                continue
            x1, y1 = corner(before)
            x1, y1, y2c = x1 + NODE_WIDTH, y1 + NODE_HEIGHT // 2, y2 + NODE_HEIGHT // 2
            bend = (x2 - x1) // 2
            parts.append(
                f'<path class="edge" data-from="{escape(before)}" data-to="{escape(step["name"])}"'
                f' d="M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2c} {x2},{y2c}"/>'
            )
    for step in steps:
        name, status = step["name"], step["status"]
        x, y = corner(name)
        detail = " \u00b7 ".join(
            part for part in (status, _duration(step.get("duration_ms"))) if part
        )
        tooltip = name + (f": {step['reason']}" if step.get("reason") else "")
        parts.append(
            f'<a href="#step-{escape(name)}"><g class="node status-{escape(status)}" '
            f'data-step="{escape(name)}" data-status="{escape(status)}">'
            f"<title>{escape(tooltip)}</title>"
            f'<rect x="{x}" y="{y}" width="{NODE_WIDTH}" height="{NODE_HEIGHT}" rx="7"/>'
            f'<text x="{x + 10}" y="{y + 21}" class="name">{escape(_short(name, NAME_CHARACTERS))}'
            f'</text><text x="{x + 10}" y="{y + 39}" class="detail">{escape(detail)}</text>'
            "</g></a>"
        )
    parts.append("</svg>")
    return "".join(parts)
