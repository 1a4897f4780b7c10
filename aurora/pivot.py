"""The pivot view's requests and cells. Pure; the state only stores what these return.

The pivot view speaks AG Grid's Server-Side Row Model protocol to Aurora's `/pivot`,
`/table`, `/drilldown` and `/export` endpoints: one request is one level of row groups,
aggregated in the database (pivot columns by conditional aggregation, totals by GROUPING
SETS), so the browser only ever receives the rows on screen.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aurora import formatting as fmt

SEP = "¦"  # pivot result fields: keys and value id joined by this (not by AG Grid's `_`)
BLOCK = 100  # group rows fetched per level
AGGS = ("sum", "avg", "min", "max", "count")
AGG_LABELS = {"sum": "Sum", "avg": "Average", "min": "Min", "max": "Max", "count": "Count"}
NULL_KEY = "(Blanks)"
COUNT_FIELD = "row_count"  # the field of a row count (AG Grid's count needs no column)


@dataclasses.dataclass
class ValueCfg:
    id: str = ""
    column: str = ""
    agg: str = "sum"
    label: str = ""


@dataclasses.dataclass
class Layout:
    """What the user picked: row groups, pivot columns and values, over a dataset."""

    dataset: str
    rows: list[str]
    columns: list[str]
    values: list[ValueCfg]
    vintage: dict[str, Any] | None = None


def value_id(column: str, agg: str) -> str:
    return f"{agg}_{column}"


def problems(layout: Layout) -> str:
    if not layout.values:
        return "Pick at least one value to aggregate."
    if not layout.rows and not layout.columns:
        return "Pick a row or a column to group by."
    return ""


def request(layout: Layout, group_keys: list[Any], *, pivot: bool = True) -> dict[str, Any]:
    """The grid request for one level (`group_keys`: the path of the expanded group)."""
    body: dict[str, Any] = {
        "startRow": 0,
        "endRow": BLOCK,
        "rowGroupCols": [{"id": c, "field": c} for c in layout.rows],
        "valueCols": [{"id": v.id, "field": v.column, "aggFunc": v.agg} for v in layout.values],
        "pivotCols": [{"id": c, "field": c} for c in layout.columns] if pivot else [],
        "pivotMode": bool(pivot and layout.columns),
        "groupKeys": list(group_keys),
        "pivotResultFieldSeparator": SEP,
        "needsGrandTotal": not group_keys,
    }
    if layout.vintage:
        body["vintage"] = layout.vintage
    return body


def endpoint(layout: Layout) -> str:
    return "pivot" if layout.columns else "table"


def split_field(field: str) -> tuple[list[str], str]:
    """A pivot result field -> (its pivot keys, its value id)."""
    parts = field.split(SEP)
    return parts[:-1], parts[-1]


def drill_keys(keys: list[str]) -> list[Any]:
    return [None if k == NULL_KEY else k for k in keys]


def key_text(value: Any) -> str:
    return NULL_KEY if value is None else str(value)


def value_kind(v: ValueCfg, column_kinds: dict[str, str]) -> str:
    if v.agg == "count":
        return "integer"
    if v.agg == "avg":
        return "float"
    return column_kinds.get(v.column, "float")


def cell(value: Any, kind: str) -> str:
    text = fmt.format_value(value, kind, None, "")
    return "" if text is None else str(text)


def field_of_value(v: ValueCfg, layout: Layout) -> str:
    """Where a row holds this value: `column` in plain group rows (AG Grid's field)."""
    return v.column if not layout.columns else v.id
