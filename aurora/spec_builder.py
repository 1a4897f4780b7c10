"""What the user built on screen -> the API's query spec. Pure; no I/O, no SQL.

What you see is what you query (and export): visible columns only, the filter tree plus
the quick search, the sort shown in the headers, the vintage chosen above the grid.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aurora import buckets as bk
from aurora import filters as flt
from aurora.state.models import Bucket, Calculated, ColumnMeta, Measure, SortKey

PAGE_SIZE = 50


@dataclasses.dataclass
class Draft:
    """The parts of a query, as the explorer state holds them."""

    dataset: str
    columns: list[ColumnMeta]  # the dataset's columns followed by calculated fields
    hidden: list[str] = dataclasses.field(default_factory=list)
    filter_rows: list[flt.FilterRow] = dataclasses.field(default_factory=list)
    quick_search: str = ""
    sort: list[SortKey] = dataclasses.field(default_factory=list)
    group_by: list[str] = dataclasses.field(default_factory=list)  # output names
    buckets: list[Bucket] = dataclasses.field(default_factory=list)  # the dates by period
    measures: list[Measure] = dataclasses.field(default_factory=list)
    calculated: list[Calculated] = dataclasses.field(default_factory=list)
    load_type: str = ""
    load_id: str = ""
    all_loads: bool = False  # "All load types" picked: every load, whatever the default
    joins: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    as_of: dict[str, Any] = dataclasses.field(default_factory=dict)  # {version} | {timestamp}
    limit: int | None = None  # a top N: only the first N rows in the sort, pages and all
    page: int = 1
    page_size: int = PAGE_SIZE

    @property
    def aggregated(self) -> bool:
        return bool(self.group_by or self.measures)

    @property
    def vintage_chosen(self) -> bool:
        """A vintage is sent (a load type, a load, or every load), not the API's default."""
        return bool(self.load_type or self.load_id or self.all_loads)


def kinds(draft: Draft) -> dict[str, str]:
    """Column name -> kind, for every name the current schema may use."""
    known = {c.name: c.kind for c in draft.columns}
    known.update({b.name: "date" for b in draft.buckets})  # a period is its first day
    for m in draft.measures:
        known[m.alias] = _measure_kind(m, known)
    return known


def _measure_kind(m: Measure, known: dict[str, str]) -> str:
    """Counts are whole, and so are a sum, min or max of whole numbers (never "1,234.00")."""
    if m.agg in ("count", "count_distinct"):
        return "integer"
    whole = m.mode == "column" and known.get(m.column) == "integer"
    return "integer" if whole and m.agg in ("sum", "min", "max") else "float"


def schema(draft: Draft) -> list[str]:
    """The columns the grid can show: detail columns, or group columns + measure aliases."""
    if draft.aggregated:
        return [*draft.group_by, *(m.alias for m in draft.measures)]
    return [c.name for c in draft.columns]


def _referenced(draft: Draft) -> set[str]:
    used = {s.column for s in draft.sort}
    used.update(r.column for r in flt.conditions(draft.filter_rows) if flt.is_complete(r))
    return used


def selected(draft: Draft) -> list[str]:
    """The columns actually requested: the visible part of the schema (never empty)."""
    shown = [name for name in schema(draft) if name not in draft.hidden]
    return shown or schema(draft)[:1]


def _measures(draft: Draft) -> list[dict[str, Any]]:
    keep = set(selected(draft)) | _referenced(draft)
    out = []
    for m in draft.measures:
        if m.alias not in keep:
            continue
        body: dict[str, Any] = {"agg": m.agg, "alias": m.alias}
        if m.mode == "expr" and m.expr.strip():
            body["expr"] = m.expr.strip()
        elif m.column:
            body["column"] = m.column
        out.append(body)
    return out


def _filters(draft: Draft) -> tuple[dict[str, Any] | None, dict[str, str]]:
    text_kinds = kinds(draft)
    text_columns = [c for c in selected(draft) if text_kinds.get(c) == "text"]
    quick = flt.quick_search_group(draft.quick_search, text_columns)
    if quick is None:
        return flt.to_spec(draft.filter_rows)
    tree, paths = flt.to_spec(draft.filter_rows, prefix="filters.conditions[0]")
    if tree is None:
        return quick, {}
    return {"op": "and", "conditions": [tree, quick]}, paths


def build(draft: Draft) -> tuple[dict[str, Any], dict[str, str]]:
    """The spec for one page, and the filter paths (API error path -> filter row id)."""
    spec: dict[str, Any] = {"dataset": draft.dataset}
    if draft.all_loads:
        spec["vintage"] = {"all_loads": True}
    elif draft.load_type or draft.load_id:
        spec["vintage"] = {
            "load_type": draft.load_type or None,
            "load_id": _load_id(draft.load_id),
        }
    if draft.as_of:
        spec["as_of"] = dict(draft.as_of)
    if draft.joins:
        spec["joins"] = [dict(j) for j in draft.joins]
    if draft.calculated:
        spec["calculated"] = [{"name": c.name, "expr": c.expr} for c in draft.calculated]
    columns = selected(draft)
    if draft.aggregated:
        spec["group_by"] = [bk.entry(g, draft.buckets) for g in draft.group_by if g in columns]
        spec["measures"] = _measures(draft)
    else:
        spec["columns"] = columns
    tree, paths = _filters(draft)
    if tree is not None:
        spec["filters"] = tree
    allowed = set(columns) | {m["alias"] for m in spec.get("measures", [])}
    sort = [{"column": s.column, "direction": s.direction} for s in draft.sort]
    spec["sort"] = [s for s in sort if s["column"] in allowed]
    if draft.limit:
        spec["limit"] = draft.limit
    spec["page"], spec["page_size"] = draft.page, draft.page_size
    return spec, paths


def _load_id(value: str) -> int | str | None:
    if not value:
        return None
    return int(value) if value.lstrip("-").isdigit() else value
