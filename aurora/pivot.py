"""The pivot view's requests and cells. Pure; the state only stores what these return.

The pivot view speaks AG Grid's Server-Side Row Model protocol to Aurora's `/pivot`,
`/table`, `/drilldown` and `/export` endpoints: one request is one level of row groups,
aggregated in the database (pivot columns by conditional aggregation, totals by GROUPING
SETS), so the browser only ever receives the rows on screen.
"""

from __future__ import annotations

import csv
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
    filter_model: dict[str, Any] | None = None  # AG Grid's (see `filter_model`)


def value_id(column: str, agg: str) -> str:
    return f"{agg}_{column}"


def value_cfg(column: str, agg: str, label: str) -> ValueCfg:
    """A value of the layout (`label`: the column's); a count counts rows, whatever column."""
    if agg == "count":
        return ValueCfg(id=value_id(COUNT_FIELD, agg), column=COUNT_FIELD, agg=agg, label="Rows")
    text = f"{AGG_LABELS.get(agg, agg)} of {label}"
    return ValueCfg(id=value_id(column, agg), column=column, agg=agg, label=text)


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
    if layout.filter_model:
        body["filterModel"] = layout.filter_model
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


# ---- filters: the explorer's filter tree as AG Grid's Advanced Filter model ----------------
#
# The AG Grid endpoints take filters as AG Grid's filter model. Its Advanced Filter form (a
# `join` tree of `colId` conditions) carries the whole AND/OR tree; negation, which it lacks,
# is pushed down to the conditions (De Morgan). Each condition maps to one the API turns
# back into exactly the explorer's operator: the `text` filter's comparisons on any column
# (`equals` -> `=`, ...), `contains` (case-insensitive like `contains`), a `set` filter
# for `in` and for `is_null` (`values: [null]`).

_FLIP = {"=": "!=", "!=": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}
_AG_TYPE = {
    "=": "equals",
    "!=": "notEqual",
    "<": "lessThan",
    "<=": "lessThanOrEqual",
    ">": "greaterThan",
    ">=": "greaterThanOrEqual",
}


_TEXT_TYPE = {"contains": "contains", "starts_with": "startsWith", "ends_with": "endsWith"}


class FilterNotPivotable(ValueError):
    """A condition the AG Grid filter model cannot say exactly."""


def filter_model(tree: dict[str, Any] | None, kinds: dict[str, str]) -> dict[str, Any] | None:
    """The API's filter tree (`{"op", "negate", "conditions"}`) as an Advanced Filter model.

    >>> model = filter_model({"op": "and", "negate": True, "conditions": [
    ...     {"column": "n", "operator": "<", "value": 3}]}, {"n": "integer"})
    >>> model["type"], model["conditions"][0]["type"]
    ('OR', 'greaterThanOrEqual')
    """
    if not tree or not tree.get("conditions"):
        return None
    return _node(tree, False, kinds)


def _join(op: str, parts: list[dict[str, Any]]) -> dict[str, Any]:
    return {"filterType": "join", "type": op.upper(), "conditions": parts}


def _node(node: dict[str, Any], negate: bool, kinds: dict[str, str]) -> dict[str, Any]:
    if "conditions" not in node:
        return _condition(node, negate, kinds)
    negate = negate != bool(node.get("negate"))
    op = str(node.get("op") or "and")
    if negate:
        op = "or" if op == "and" else "and"
    return _join(op, [_node(c, negate, kinds) for c in node.get("conditions") or []])


def _compare(column: str, op: str, value: Any) -> dict[str, Any]:
    return {"filterType": "text", "colId": column, "type": _AG_TYPE[op], "filter": value}


def _is_null(column: str) -> dict[str, Any]:
    return {"filterType": "set", "colId": column, "values": [None]}


def _not_null(column: str, kind: str) -> dict[str, Any]:
    # AG Grid's notBlank also drops '' in text columns: add '' back for exact IS NOT NULL.
    blank = {"filterType": "text", "colId": column, "type": "notBlank"}
    if kind != "text":
        return blank
    return _join("or", [_compare(column, "=", ""), blank])


def _items(value: Any) -> list[Any]:
    """An `in`/`between` value: a list, or the API's comma-separated text."""
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in next(csv.reader([value], skipinitialspace=True), [])]
    return [value]


def _condition(c: dict[str, Any], negate: bool, kinds: dict[str, str]) -> dict[str, Any]:
    column, op, value = str(c["column"]), str(c["operator"]), c.get("value")
    if op in _AG_TYPE:
        return _compare(column, _FLIP[op] if negate else op, value)
    if op in ("in", "not_in"):
        if (op == "in") != negate:
            return {"filterType": "set", "colId": column, "values": _items(value)}
        return _join("and", [_compare(column, "!=", v) for v in _items(value)])
    if op == "between":
        low, high = [*_items(value), None, None][:2]
        if negate:
            return _join("or", [_compare(column, "<", low), _compare(column, ">", high)])
        return _join("and", [_compare(column, ">=", low), _compare(column, "<=", high)])
    if op in ("is_null", "is_not_null"):
        if (op == "is_null") != negate:
            return _is_null(column)
        return _not_null(column, kinds.get(column, "text"))
    if op == "contains" and negate:
        return {"filterType": "text", "colId": column, "type": "notContains", "filter": value}
    if op in _TEXT_TYPE and not negate:
        return {"filterType": "text", "colId": column, "type": _TEXT_TYPE[op], "filter": value}
    raise FilterNotPivotable(
        f"The pivot cannot negate '{op.replace('_', ' ')}' (on {column}): "
        "use contains, or take the condition out of the NOT group."
    )


def prune(tree: dict[str, Any] | None, known: set[str]) -> tuple[dict[str, Any] | None, bool]:
    """The filter tree without what names columns the pivot does not have (measures,
    calculated fields, joined columns), and whether anything was left out. Only whole
    conditions of the top AND are dropped (the pivot then shows more rows, never other
    ones); a top OR or NOT that names such a column is dropped whole."""
    if not tree or not tree.get("conditions"):
        return None, False

    def names(node: dict[str, Any]) -> set[str]:
        if "conditions" not in node:
            return {str(node.get("column"))}
        return set().union(*(names(c) for c in node.get("conditions") or [])) or set()

    if tree.get("op", "and") != "and" or tree.get("negate"):
        return (tree, False) if names(tree) <= known else (None, True)
    kept = [c for c in tree["conditions"] if names(c) <= known]
    dropped = len(kept) < len(tree["conditions"])
    return ({**tree, "conditions": kept} if kept else None), dropped


# ---- a pivot saved as a report ------------------------------------------------------------


def report_fields(layout: Layout, filters: dict[str, Any] | None) -> dict[str, Any]:
    """The report API's `spec`, `kind` and `chart` of a pivot: the spec is the query behind
    the cross-tab (grouped by rows and columns, the values as measures), `chart` which of
    its group-by columns run across."""
    spec: dict[str, Any] = {"dataset": layout.dataset}
    if layout.vintage:
        spec["vintage"] = layout.vintage
    if filters:
        spec["filters"] = filters
    spec["group_by"] = [*layout.rows, *layout.columns]
    spec["measures"] = [
        {"agg": v.agg, "alias": v.id}
        if v.column == COUNT_FIELD
        else {"agg": v.agg, "alias": v.id, "column": v.column}
        for v in layout.values
    ]
    return {"spec": spec, "kind": "pivot", "chart": {"kind": "pivot", "columns": layout.columns}}


def layout_of_report(report: dict[str, Any], labels: dict[str, str]) -> Layout:
    """A saved pivot report back as a layout (labels: column name -> label)."""
    spec = report.get("spec") or {}
    across = [str(c) for c in (report.get("chart") or {}).get("columns") or []]
    groups = [str(g) for g in spec.get("group_by") or []]
    values = []
    for m in spec.get("measures") or []:
        agg, column = str(m.get("agg")), str(m.get("column") or COUNT_FIELD)
        values.append(value_cfg(column, agg, labels.get(column, column)))
    return Layout(
        dataset=str(spec.get("dataset", "")),
        rows=[g for g in groups if g not in across],
        columns=across,
        values=values,
        vintage=spec.get("vintage"),
    )
