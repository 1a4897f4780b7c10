"""A dashboard document as the UI edits and draws it. Pure functions, no state, no HTTP.

The API's dashboard (GET /api/dashboards/{id}) is kept whole on the server side of the UI;
these functions change it (a tile added, the grid's layout taken, a filter added), turn a
tile's rows into what a tile draws (table cells, a KPI, chart points), and write the filter
values into the address and back.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import uuid
from typing import Any
from urllib.parse import quote, unquote

from markdown_it import MarkdownIt

from aurora import chart_data

SERVER_FIELDS = ("id", "owner_id", "owner", "can_edit", "version", "created_at", "updated_at")
TABLE_ROWS = 50
TABLE_COLUMNS = 12
PRESETS = {"": "Any time", "last_30_days": "Last 30 days", "this_quarter": "This quarter"}
PRESETS["previous_year"] = "Previous year"


def new_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def body(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """What PUT takes: the document without the fields the server sets."""
    out = {k: copy.deepcopy(v) for k, v in doc.items() if k not in SERVER_FIELDS}
    return {**out, **changes}


def tab(doc: dict[str, Any], tab_id: str) -> dict[str, Any]:
    tabs = doc.get("tabs") or [{}]
    return next((t for t in tabs if t.get("id") == tab_id), tabs[0])


def layout(doc: dict[str, Any], tab_id: str) -> list[dict[str, Any]]:
    """react-grid-layout's layout of a tab: `i` is the tile's id.

    >>> doc = {"tabs": [{"id": "a", "tiles": [{"id": "t", "position": {"x": 1, "y": 2,
    ...     "w": 3, "h": 4}}]}]}
    >>> layout(doc, "a")
    [{'i': 't', 'x': 1, 'y': 2, 'w': 3, 'h': 4}]
    """
    return [{"i": t["id"], **t["position"]} for t in tab(doc, tab_id).get("tiles", [])]


def with_layout(doc: dict[str, Any], tab_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
    """The document with the grid's positions taken for the tab's tiles (others unknown to
    the grid keep theirs); sizes are clamped to the 12-column grid.

    >>> doc = {"tabs": [{"id": "a", "tiles": [{"id": "t", "position": {"x": 0, "y": 0,
    ...     "w": 6, "h": 4}}]}]}
    >>> with_layout(doc, "a", [{"i": "t", "x": 6, "y": 1, "w": 6, "h": 5}])["tabs"][0]
    {'id': 'a', 'tiles': [{'id': 't', 'position': {'x': 6, 'y': 1, 'w': 6, 'h': 5}}]}
    """
    out = copy.deepcopy(doc)
    by_id = {str(i.get("i")): i for i in items}
    for tile in tab(out, tab_id).get("tiles", []):
        got = by_id.get(tile["id"])
        if got is not None:
            w = max(1, min(12, int(got.get("w", 1))))
            x = max(0, min(12 - w, int(got.get("x", 0))))
            y, h = max(0, int(got.get("y", 0))), max(1, min(40, int(got.get("h", 1))))
            tile["position"] = {"x": x, "y": y, "w": w, "h": h}
    return out


def _bottom(t: dict[str, Any]) -> int:
    return max((x["position"]["y"] + x["position"]["h"] for x in t.get("tiles", [])), default=0)


def add_tile(doc: dict[str, Any], tab_id: str, tile: dict[str, Any]) -> dict[str, Any]:
    """`tile` appended below the tab's tiles."""
    out = copy.deepcopy(doc)
    target = tab(out, tab_id)
    w, h = tile.pop("w", 6), tile.pop("h", 6)
    tile["position"] = {"x": 0, "y": _bottom(target), "w": w, "h": h}
    target.setdefault("tiles", []).append(tile)
    return out


def report_tile(report: dict[str, Any]) -> dict[str, Any]:
    """A tile made from a saved report: its spec and chart, drawn as the report opens."""
    chart = report.get("chart") or None
    kind = str(report.get("kind") or "table")
    view = "kpi" if chart and chart.get("kind") == "kpi" else kind
    if view == "chart" and not chart:
        view = "table"
    tile = {
        "kind": "report",
        "id": new_id("tile"),
        "title": str(report.get("name") or "")[:200],
        "report_id": report.get("id"),
        "spec": report.get("spec") or {},
        "view": view,
        "chart": chart if view != "table" or (chart and chart.get("kind") != "pivot") else None,
    }
    return {**tile, "w": 4 if view == "kpi" else 6, "h": 3 if view == "kpi" else 6}


def text_tile(markdown: str) -> dict[str, Any]:
    return {"kind": "text", "id": new_id("text"), "markdown": markdown, "w": 12, "h": 2}


def add_filter(doc: dict[str, Any], label: str, type_: str, column: str) -> dict[str, Any]:
    """A new filter; the API proposes each tile's column for it on save."""
    out = copy.deepcopy(doc)
    f: dict[str, Any] = {"id": new_id("f"), "label": label, "type": type_}
    if column:
        f["column"] = column
    out.setdefault("filters", []).append(f)
    return out


def to_address(values: dict[str, Any], cross: list[dict[str, Any]], refresh: int = 0) -> str:
    """The filter values, pills and auto-refresh as the address's query string (empty: none).

    >>> to_address({"d": {"preset": "this_quarter"}}, [])
    '?f=%7B%22d%22%3A%7B%22preset%22%3A%22this_quarter%22%7D%7D'
    >>> to_address({}, [], 60)
    '?refresh=60'
    >>> from_address(to_address({"d": ["a"]}, [{"column": "r", "value": "N"}])[3:])
    ({'d': ['a']}, [{'column': 'r', 'value': 'N'}])
    """
    kept = {k: v for k, v in values.items() if v not in (None, "", [], {})}
    params = [f"refresh={refresh}"] if refresh > 0 else []
    if kept or cross:
        state = {**kept, **({"_cross": cross} if cross else {})}
        params.insert(0, "f=" + quote(json.dumps(state, separators=(",", ":")), safe=""))
    return "?" + "&".join(params) if params else ""


MIN_REFRESH = 10  # seconds: a shorter interval would mostly re-ask the cache

# The auto-refresh menu's choices (seconds, label); the address may carry any other interval.
REFRESH_CHOICES = [
    ("0", "Auto-refresh off"),
    ("30", "Every 30 s"),
    ("60", "Every 1 min"),
    ("300", "Every 5 min"),
    ("900", "Every 15 min"),
    ("3600", "Every hour"),
]


def refresh_seconds(raw: str) -> int:
    """The address's `refresh` as seconds (off, 0, unless a whole number; at least 10).

    >>> refresh_seconds(""), refresh_seconds("60"), refresh_seconds("2"), refresh_seconds("x")
    (0, 60, 10, 0)
    """
    try:
        seconds = int(raw)
    except ValueError:
        return 0
    return max(MIN_REFRESH, min(seconds, 86_400)) if seconds > 0 else 0


def from_address(raw: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The `f` parameter back as values and pills; anything unreadable reads as none."""
    try:
        state = json.loads(unquote(raw)) if raw else {}
    except ValueError:
        return {}, []
    if not isinstance(state, dict):
        return {}, []
    cross = state.pop("_cross", [])
    pills = (
        [c for c in cross if isinstance(c, dict) and "column" in c]
        if isinstance(cross, list)
        else []
    )
    return state, pills


def table(result: dict[str, Any]) -> tuple[list[str], list[list[str]]]:
    """Headers and cells as the grid writes them (the first rows and columns only)."""
    columns = list(result.get("columns", []))[:TABLE_COLUMNS]
    headers = [str(c.get("label") or c.get("name")) for c in columns]
    rows = [
        [chart_data.text_of(v, c) for v, c in zip(row, columns, strict=False)]
        for row in list(result.get("rows", []))[:TABLE_ROWS]
    ]
    return headers, rows


def kpi(result: dict[str, Any], chart: dict[str, Any] | None) -> str:
    """The KPI's number: the chart's measure (else the last column) of the first row."""
    columns = list(result.get("columns", []))
    rows = list(result.get("rows", []))
    if not columns or not rows:
        return "-"
    y = (chart or {}).get("y")
    index, column = chart_data.column_of(result, str(y)) if y else (None, {})
    if index is None:
        index, column = len(columns) - 1, columns[-1]
    return chart_data.text_of(rows[0][index], column)


def points(result: dict[str, Any], chart: dict[str, Any] | None, measures: list[str]) -> Drawn:
    """One series of chart points ({"cat", "s0", "t0", "k"}) over the chart's x column;
    `measures` are the spec's measure aliases (every other column is a group)."""
    names = [str(c.get("name")) for c in result.get("columns", [])]
    groups = [n for n in names if n not in measures]
    saved = chart_data.from_saved(chart or {}) or chart_data.Settings()
    settings = chart_data.fit(saved, groups, [n for n in names if n in measures])
    settings.series, settings.kind = "", "bar"
    return Drawn(chart_data.draw(result, settings).points, settings.x)


@dataclasses.dataclass
class Drawn:
    points: list[dict[str, Any]]
    x: str


def mapped_tiles(doc: dict[str, Any], filter_ids: set[str]) -> set[str]:
    """The report tiles a change of these filters touches: those that map one of them to a
    column (a tile mapped to null, or left out, does not read the filter).

    >>> doc = {"tabs": [{"tiles": [{"id": "a", "kind": "report", "filters": {"f": "x"}},
    ...     {"id": "b", "kind": "report", "filters": {"f": None}}, {"id": "c", "kind": "text"}]}]}
    >>> sorted(mapped_tiles(doc, {"f"})), sorted(mapped_tiles(doc, {"g"}))
    (['a'], [])
    """
    return {
        t["id"]
        for tb in doc.get("tabs") or []
        for t in tb.get("tiles") or []
        if t.get("kind") == "report" and any((t.get("filters") or {}).get(f) for f in filter_ids)
    }


def datasets(doc: dict[str, Any]) -> list[str]:
    """The datasets the report tiles read, joined ones included, each once.

    >>> doc = {"tabs": [{"tiles": [{"kind": "report", "spec": {"dataset": "sales",
    ...     "joins": [{"dataset": "products"}]}}, {"kind": "text"}]},
    ...     {"tiles": [{"kind": "report", "spec": {"dataset": "sales"}}]}]}
    >>> datasets(doc)
    ['products', 'sales']
    """
    keys: set[str] = set()
    for tb in doc.get("tabs") or []:
        for t in tb.get("tiles") or []:
            spec = t.get("spec") or {} if t.get("kind") == "report" else {}
            keys.update(str(k) for k in [spec.get("dataset")] if k)
            keys.update(str(j["dataset"]) for j in spec.get("joins") or [] if j.get("dataset"))
    return sorted(keys)


def reading_order(tiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tiles top to bottom, left to right: the order present mode walks them."""
    return sorted(tiles, key=lambda t: (t["position"]["y"], t["position"]["x"]))


_MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def markdown_html(text: str) -> str:
    """A text tile's markdown as HTML that is safe to insert: raw HTML in the text is
    escaped, never passed through, and markdown-it refuses javascript:/vbscript:/data: links.

    >>> markdown_html("**Hi** <script>alert(1)</script>")
    '<p><strong>Hi</strong> &lt;script&gt;alert(1)&lt;/script&gt;</p>\\n'
    >>> markdown_html("[x](javascript:alert(1))")
    '<p>[x](javascript:alert(1))</p>\\n'
    """
    return str(_MD.render(text))


def values_source(doc: dict[str, Any], filter_id: str) -> tuple[str, str] | None:
    """Where a multi-select's values come from: the dataset and column of the first report
    tile that maps the filter (None: no tile reads it)."""
    for tb in doc.get("tabs") or []:
        for t in tb.get("tiles") or []:
            column = (t.get("filters") or {}).get(filter_id)
            if t.get("kind") == "report" and column:
                return str((t.get("spec") or {}).get("dataset") or ""), str(column)
    return None


def with_mapping(
    doc: dict[str, Any], tile_id: str, filter_id: str, column: str | None
) -> dict[str, Any]:
    """The document with one tile's mapping of one filter set (None: not this tile)."""
    out = copy.deepcopy(doc)
    for tb in out.get("tabs") or []:
        for t in tb.get("tiles") or []:
            if t["id"] == tile_id and t.get("kind") == "report":
                t.setdefault("filters", {})[filter_id] = column or None
    return out


def with_caption(doc: dict[str, Any], tile_id: str, caption: str) -> dict[str, Any]:
    """The document with a report tile's present-mode caption set ("" drops it)."""
    out = copy.deepcopy(doc)
    for tb in out.get("tabs") or []:
        for t in tb.get("tiles") or []:
            if t["id"] == tile_id and t.get("kind") == "report":
                t["caption"] = caption[:2000]
    return out
