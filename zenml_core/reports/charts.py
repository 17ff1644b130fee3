"""A metric series (``log_metric``) drawn as a small SVG line chart, with no library."""

from __future__ import annotations

from html import escape

WIDTH, HEIGHT = 360, 180
LEFT, RIGHT, TOP, BOTTOM = 52, 12, 22, 28


def _label(value: float) -> str:
    return f"{value:.4g}"


def line_chart(name: str, points: list[list[float]]) -> str:
    """An SVG chart of ``points`` ([[step, value], ...]): a line, a dot per point (each with
    its values as a tooltip), and the axes' ranges."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    x_low, x_high = min(xs), max(xs)
    y_low, y_high = min(ys), max(ys)
    x_span = (x_high - x_low) or 1.0
    y_span = (y_high - y_low) or 1.0
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def at(x: float, y: float) -> tuple[float, float]:
        return (
            round(LEFT + (x - x_low) / x_span * inner_w, 1),
            round(TOP + inner_h - (y - y_low) / y_span * inner_h, 1),
        )

    placed = [at(x, y) for x, y in points]
    line = " ".join(f"{x},{y}" for x, y in placed)
    dots = "".join(
        f'<circle class="point" cx="{x}" cy="{y}" r="2.5">'
        f"<title>{escape(name)} at {_label(px)}: {_label(py)}</title></circle>"
        for (x, y), (px, py) in zip(placed, points, strict=True)
    )
    bottom = TOP + inner_h
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" '
        f'height="{HEIGHT}" data-series="{escape(name)}" data-points="{len(points)}">'
        f'<text class="title" x="{LEFT}" y="14">{escape(name)}</text>'
        f'<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{bottom}"/>'
        f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{WIDTH - RIGHT}" y2="{bottom}"/>'
        f'<text class="tick" x="{LEFT - 4}" y="{TOP + 4}" text-anchor="end">{_label(y_high)}</text>'
        f'<text class="tick" x="{LEFT - 4}" y="{bottom}" text-anchor="end">{_label(y_low)}</text>'
        f'<text class="tick" x="{LEFT}" y="{bottom + 16}">{_label(x_low)}</text>'
        f'<text class="tick" x="{WIDTH - RIGHT}" y="{bottom + 16}" text-anchor="end">'
        f"{_label(x_high)}</text>"
        f'<polyline class="line" points="{line}"/>{dots}</svg>'
    )
