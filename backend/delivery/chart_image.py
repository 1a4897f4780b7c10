"""A report's chart as a PNG for a delivery email, drawn by headless Chromium.

The chart is drawn from the rows the recipient's email shows (their own RLS), as a plain SVG
(bars; a line for line and area charts), then the browser screenshots it. Every label is
escaped; the page loads nothing from anywhere. A chart that cannot be drawn (no x or y
column in the rows, a pie or KPI, the browser failing) is left out and the email goes
without it: the table carries the same rows.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("aurora.delivery")

WIDTH, HEIGHT, PAD = 640, 320, 48
DRAWN = ("bar", "line", "area")


@dataclass(frozen=True)
class ChartData:
    kind: str
    labels: list[str]
    values: list[float]
    title: str


def chart_data(
    chart: dict[str, Any] | None, names: Sequence[str], rows: Sequence[Sequence[Any]], title: str
) -> ChartData | None:
    """The points to draw, or None when the chart is not one drawn here.

    >>> chart_data({"kind": "bar", "x": "r", "y": "v"}, ["r", "v"], [["N", 2], ["S", None]], "t")
    ChartData(kind='bar', labels=['N', 'S'], values=[2.0, 0.0], title='t')
    >>> chart_data({"kind": "pie", "x": "r", "y": "v"}, ["r", "v"], [], "t") is None
    True
    """
    if not chart or chart.get("kind") not in DRAWN:
        return None
    x, y = str(chart.get("x")), str(chart.get("y"))
    if x not in names or y not in names or not rows:
        return None
    xi, yi = list(names).index(x), list(names).index(y)
    try:
        values = [float(row[yi] or 0) for row in rows]
    except (TypeError, ValueError):
        return None
    labels = ["" if row[xi] is None else str(row[xi]) for row in rows]
    return ChartData(str(chart["kind"]), labels, values, title)


def svg(data: ChartData) -> str:
    top = max([*data.values, 0.0]) or 1.0
    step = (WIDTH - 2 * PAD) / max(len(data.values), 1)
    base = HEIGHT - PAD

    def y_of(v: float) -> float:
        return base - (max(v, 0.0) / top) * (HEIGHT - 2 * PAD)

    parts = [f'<text x="{PAD}" y="24" font-size="14">{html.escape(data.title)}</text>']
    points = []
    for n, (label, value) in enumerate(zip(data.labels, data.values, strict=True)):
        x = PAD + n * step
        if data.kind == "bar":
            top_y = y_of(value)
            parts.append(
                f'<rect x="{x + step * 0.1:.1f}" y="{top_y:.1f}" width="{step * 0.8:.1f}" '
                f'height="{base - top_y:.1f}" fill="#4f6bed"/>'
            )
        points.append(f"{x + step / 2:.1f},{y_of(value):.1f}")
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{base + 16}" font-size="10" '
            f'text-anchor="middle">{html.escape(label[:14])}</text>'
        )
    if data.kind != "bar":
        parts.append(f'<polyline points="{" ".join(points)}" fill="none" stroke="#4f6bed"/>')
    axis = f'<line x1="{PAD}" y1="{base}" x2="{WIDTH - PAD}" y2="{base}" stroke="#888"/>'
    body = "".join([axis, *parts])
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'font-family="sans-serif">{body}</svg>'
    )


def render_png(data: ChartData, chromium: str, out: Path, timeout_s: float = 30.0) -> Path | None:
    """Screenshot the SVG in headless Chromium; None (logged) when the browser fails."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    page_html = f'<html><body style="margin:0;background:#fff">{svg(data)}</body></html>'
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium)
            try:
                page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
                page.set_default_timeout(timeout_s * 1000)
                page.set_content(page_html)
                out.write_bytes(page.locator("svg").screenshot(type="png"))
            finally:
                browser.close()
    except PlaywrightError:
        log.warning("the chart of %s could not be drawn", data.title, exc_info=True)
        return None
    return out
