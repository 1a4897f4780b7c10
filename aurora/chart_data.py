"""A chart of the grid's aggregation: its settings, its query, its points. Pure functions.

The chart runs the grid's own query (filters, vintage, joins, calculated fields) grouped by
the chart's category column `x` and, when set, a `series` column, so the database computes
every number the chart draws, also when the chart groups differently from the grid. Rows
become Recharts points `{"k": raw x, "cat": x label, "s0": value, "t0": value as the grid
shows it, ...}`, one `sN`/`tN` pair per series.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from aurora import buckets as bk
from aurora import filters as flt
from aurora import formatting as fmt
from aurora import theme
from aurora.state.models import Bucket

KINDS = ("bar", "line", "area", "pie", "kpi")
SERIES_KINDS = frozenset({"bar", "line", "area"})
STACKS = ("stacked", "grouped")
COLOURS = theme.CHART_COLOURS  # the design system's chart palette
DEFAULT_LIMIT = 20
MAX_LIMIT = 200
MAX_SERIES = len(COLOURS)
SERIES_ROWS = 1_000  # the API's largest page: every (x, series) pair of the shown categories
BLANK = "(blank)"


@dataclasses.dataclass
class Settings:
    kind: str = "bar"
    x: str = ""
    y: str = ""
    series: str = ""
    stack: str = "stacked"
    limit: int = DEFAULT_LIMIT

    @property
    def uses_series(self) -> bool:
        return bool(self.series) and self.kind in SERIES_KINDS


@dataclasses.dataclass
class Series:
    key: str = ""
    label: str = ""
    colour: str = ""
    value: str = ""  # the group's value as the API gave it (drill-through filters on it)
    blank: bool = False


@dataclasses.dataclass
class Drawn:
    points: list[dict[str, Any]]
    series: list[Series]
    note: str = ""


def clamp_limit(value: Any) -> int:
    try:
        return max(1, min(MAX_LIMIT, int(value)))
    except (TypeError, ValueError):
        return DEFAULT_LIMIT


def fit(s: Settings, groups: list[str], measures: list[str]) -> Settings:
    """Settings that name only what the grid's query has. A new category column brings the
    default series: the second group-by column, so two group-bys never repeat labels."""
    x, series = s.x, s.series
    if x not in groups:
        x = groups[0] if groups else ""
        series = next((g for g in groups if g != x), "")
    if series not in groups or series == x:
        series = ""
    y = s.y if s.y in measures else (measures[0] if measures else "")
    kind = s.kind if s.kind in KINDS else "bar"
    stack = s.stack if s.stack in STACKS else "stacked"
    return Settings(kind, x, y, series, stack, clamp_limit(s.limit))


def from_saved(saved: Any) -> Settings | None:
    """The report API's `chart` object (a chart's, not a pivot's) as settings."""
    if not isinstance(saved, dict) or saved.get("kind") not in KINDS:
        return None
    return Settings(
        kind=str(saved["kind"]),
        x=str(saved.get("x") or ""),
        y=str(saved.get("y") or ""),
        series=str(saved.get("series") or ""),
        stack=str(saved.get("stack") or "stacked"),
        limit=clamp_limit(saved.get("limit", DEFAULT_LIMIT)),
    )


def to_saved(s: Settings, spec: dict[str, Any]) -> dict[str, Any] | None:
    """What the report keeps: names the saved spec does not produce are left out."""
    groups = group_names(spec)
    aliases = [str(m.get("alias")) for m in spec.get("measures") or []]
    if not aliases:
        return None
    return {
        "kind": s.kind,
        "x": s.x if s.x in groups else None,
        "y": s.y if s.y in aliases else None,
        "series": s.series if s.series in groups and s.series != s.x else None,
        "stack": s.stack,
        "limit": s.limit,
    }


def chart_spec(spec: dict[str, Any], s: Settings) -> dict[str, Any]:
    """The grid's query regrouped for the chart (a KPI: the measure over every row).

    A top N (`limit`) stays only where it means the same rows: the grid's own groups in the
    grid's own order (a bar or pie of "top 5 regions by revenue" draws those 5). Regrouped,
    re-sorted or a KPI, the chart reads every row, as its own Limit says."""
    out = {k: v for k, v in spec.items() if k not in ("columns", "group_by", "sort", "limit")}
    out["page"] = 1
    if s.kind == "kpi":
        out["measures"] = [m for m in spec.get("measures", []) if m.get("alias") == s.y]
        return {**out, "group_by": [], "page_size": 1}
    groups = [s.x, s.series] if s.uses_series else [s.x]
    entries = {bk.name_of(g): g for g in spec.get("group_by") or []}
    out["group_by"] = [entries.get(g, g) for g in groups]  # a date by period stays so
    if s.uses_series:
        # Categories first, so the first `limit` of them arrive with every series.
        out["sort"] = [{"column": g, "direction": "asc"} for g in groups]
        out["page_size"] = SERIES_ROWS
        return out
    kept = {s.x} | {str(m.get("alias")) for m in spec.get("measures", [])}
    sort = [k for k in spec.get("sort") or [] if k.get("column") in kept]
    if s.kind in ("line", "area") or not sort:
        sort = [{"column": s.x, "direction": "asc"}]  # a line runs along its categories
    out["sort"], out["page_size"] = sort, s.limit
    if spec.get("limit") and group_names(spec) == [s.x] and sort == spec.get("sort"):
        out["limit"] = spec["limit"]
    return out


def group_names(spec: dict[str, Any]) -> list[str]:
    """The output names of a spec's group-by (a date by period: `order_date_month`)."""
    return [bk.name_of(g) for g in spec.get("group_by") or []]


def with_formats(result: dict[str, Any], formats: dict[str, str]) -> dict[str, Any]:
    """The result with the grid's formats on the columns it names (a period's `Jan 2024`)."""
    columns = [
        {**c, "format": formats[c["name"]]} if c.get("name") in formats else c
        for c in result.get("columns", [])
    ]
    return {**result, "columns": columns}


def _number(value: Any) -> float | None:
    try:
        number = None if value is None or isinstance(value, bool) else float(value)
    except (TypeError, ValueError):
        return None
    return number if number is not None and number == number else None  # NaN is no point


def column_of(result: dict[str, Any], name: str) -> tuple[int | None, dict[str, Any]]:
    for i, c in enumerate(result.get("columns", [])):
        if c.get("name") == name:
            return i, c
    return None, {}


def text_of(value: Any, column: dict[str, Any]) -> str:
    """A value as the grid shows it (the column's type and format)."""
    kind = fmt.kind_of(str(column.get("type", "")))
    shown = fmt.format_value(value, kind, column.get("format") or None, str(column.get("name")))
    return BLANK if shown is None else str(shown)


def _raw(value: Any) -> str | None:
    return None if value is None else str(value).lower() if isinstance(value, bool) else str(value)


@dataclasses.dataclass
class _Cell:
    cat: str
    label: str
    raw: str | None
    value: float
    text: str


def draw(result: dict[str, Any], s: Settings) -> Drawn:
    """Result rows -> points and series; rows whose measure is null draw nothing."""
    yi, ycol = column_of(result, s.y)
    xi, xcol = column_of(result, s.x)
    si, scol = column_of(result, s.series) if s.uses_series else (None, {})
    if yi is None or xi is None:
        return Drawn([], [])
    by_cat: dict[str, dict[str, Any]] = {}
    cells: list[_Cell] = []
    for row in result.get("rows", []):
        value = _number(row[yi])
        if value is None:
            continue
        cat = text_of(row[xi], xcol)
        if cat not in by_cat:
            if len(by_cat) >= s.limit:
                continue
            by_cat[cat] = {"k": _raw(row[xi]), "cat": cat}
        label, raw = (text_of(row[si], scol), _raw(row[si])) if si is not None else ("", "")
        cells.append(_Cell(cat, label, raw, value, text_of(row[yi], ycol)))
    return _assemble(by_cat, cells, s, ycol)


def _assemble(
    by_cat: dict[str, dict[str, Any]], cells: list[_Cell], s: Settings, ycol: dict[str, Any]
) -> Drawn:
    """Series in order of appearance; past `MAX_SERIES`, only the largest (by |total|)."""
    totals: dict[str, float] = {}
    raws: dict[str, str | None] = {}
    for c in cells:
        totals[c.label] = totals.get(c.label, 0.0) + abs(c.value)
        raws.setdefault(c.label, c.raw)
    kept = set(sorted(totals, key=lambda k: -totals[k])[:MAX_SERIES])
    order = [label for label in totals if label in kept]
    keys = {label: str(i) for i, label in enumerate(order)}
    for c in cells:
        if c.label in keys:
            by_cat[c.cat]["s" + keys[c.label]] = c.value
            by_cat[c.cat]["t" + keys[c.label]] = c.text
    series = [
        Series(
            key="s" + keys[label],
            label=label or str(ycol.get("label") or s.y),
            colour=COLOURS[i],
            value=raws[label] or "",
            blank=raws[label] is None,
        )
        for i, label in enumerate(order)
    ]
    points = list(by_cat.values())
    if s.kind == "pie":
        points = [{**p, "fill": COLOURS[i % len(COLOURS)]} for i, p in enumerate(points)]
    note = ""
    if len(totals) > len(kept):
        note = f"Showing the {len(kept)} largest of {len(totals)} series."
    return Drawn(points, series, note)


_SAMPLE = re.compile(r"^(?P<prefix>[^\d-]*)1(?:\.(?P<digits>\d+))?(?P<suffix>.*)$")


def axis_format(ycol: dict[str, Any]) -> dict[str, Any]:
    """How the value axis writes numbers, read off the grid's own text for 1 and 0.01:
    the same prefix/suffix (a currency, `%`), decimals and percent scaling."""
    one = text_of(1, ycol)
    percent = one.endswith("%") and one.startswith("100")
    sample = text_of(0.01, ycol) if percent else one
    match = _SAMPLE.match(sample)
    if match is None:
        return {"prefix": "", "suffix": "", "digits": 0, "percent": False}
    return {
        "prefix": match["prefix"],
        "suffix": "" if percent else match["suffix"],
        "digits": len(match["digits"] or ""),
        "percent": percent,
    }


def drill_conditions(
    point: dict[str, Any], s: Settings, series: Series | None
) -> list[dict[str, Any]]:
    """The clicked group as `column = value` conditions (None: the blank group)."""
    out: list[dict[str, Any]] = [{"column": s.x, "value": point.get("k")}]
    if s.uses_series and series is not None:
        out.append({"column": s.series, "value": None if series.blank else series.value})
    return out


def narrowed_to_period(
    rows: list[flt.FilterRow], b: Bucket, kind: str, value: Any
) -> list[flt.FilterRow]:
    """A clicked period of a date grouped by `b` (its first day, or None for the blank
    group): conditions on the date column, ANDed on like `narrowed`'s."""
    if value is None:
        return narrowed(rows, [{"column": b.column, "value": None}], {b.column: kind})
    out = narrowed(rows, [], {})
    for operator, low, high in bk.drill_rows(b.column, kind, b.bucket, value):
        row = flt.condition(b.column, kind, operator, low)
        row.value2 = high
        out = flt.add_row(out, flt.ROOT, row)
    return out


def narrowed(
    rows: list[flt.FilterRow], conditions: list[dict[str, Any]], kinds: dict[str, str]
) -> list[flt.FilterRow]:
    """The filter rows with `conditions` ANDed to everything already there. A root that
    ORs or negates is kept whole as one group under a new AND root."""
    rows = [dataclasses.replace(r) for r in rows] or flt.new_tree()
    root = rows[0]
    if root.op != "and" or root.negate:
        inner = flt.group(root.op)
        inner.negate, inner.depth, inner.parent = root.negate, 1, flt.ROOT
        below = [
            dataclasses.replace(
                r, depth=r.depth + 1, parent=inner.id if r.parent == flt.ROOT else r.parent
            )
            for r in rows[1:]
        ]
        rows = [*flt.new_tree(), inner, *below]
    for c in conditions:
        column, value = str(c.get("column") or ""), c.get("value")
        kind = kinds.get(column, "text")
        row = (
            flt.condition(column, kind, "is_null")
            if value is None
            else flt.condition(column, kind, "=", str(value))
        )
        rows = flt.add_row(rows, flt.ROOT, row)
    return rows
