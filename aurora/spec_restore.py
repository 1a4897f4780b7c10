"""A saved query spec -> the `spec_builder.Draft` that built it. Pure; the inverse of
`spec_builder.build` (`build(restore(spec))` gives the spec back), so opening a report
restores the exact grid: columns, filters, aggregation, calculated fields, joins, vintage
and sort.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from aurora import buckets as bk
from aurora import filters as flt
from aurora import formatting as fmt
from aurora import spec_builder
from aurora.state.models import Calculated, ColumnMeta, Measure, SortKey


def restore(spec: dict[str, Any], schema_columns: list[ColumnMeta]) -> spec_builder.Draft:
    """`schema_columns`: the columns of the spec's dataset, or of its joins when it has some.
    The draft is on page 1; its vintage is the saved one (`vintage_chosen`), or none."""
    calculated = [
        Calculated(name=str(c["name"]), expr=str(c["expr"])) for c in spec.get("calculated") or []
    ]
    columns = [dataclasses.replace(c) for c in schema_columns if c.type != "calculated"]
    # A calculated field's kind is learned from the first result (see ExplorerState).
    columns += [
        ColumnMeta(name=c.name, label=c.name, type="calculated", kind="other") for c in calculated
    ]
    out = spec_builder.Draft(
        dataset=str(spec.get("dataset", "")),
        columns=columns,
        calculated=calculated,
        joins=list(spec.get("joins") or []),
    )
    for entry in spec.get("group_by") or []:
        name, bucket = bk.from_entry(entry)
        out.group_by.append(name)
        out.buckets += [bucket] if bucket is not None else []
    out.measures = [_measure(m) for m in spec.get("measures") or []]
    if not out.group_by and not out.measures and spec.get("columns"):
        shown = set(spec["columns"])
        out.hidden = [c.name for c in columns if c.name not in shown]
    out.sort = [
        SortKey(column=str(s["column"]), direction=str(s.get("direction") or "asc"))
        for s in spec.get("sort") or []
    ]
    _restore_vintage(out, spec.get("vintage"))
    out.as_of = {k: v for k, v in (spec.get("as_of") or {}).items() if v is not None}
    limit = spec.get("limit")
    out.limit = limit if isinstance(limit, int) and not isinstance(limit, bool) else None
    _restore_filters(out, spec.get("filters"))
    return out


def _measure(m: dict[str, Any]) -> Measure:
    expr = str(m.get("expr") or "")
    return Measure(
        id=flt.new_id(),
        mode="expr" if expr else "column",
        column=str(m.get("column") or ""),
        expr=expr,
        agg=str(m.get("agg") or "sum"),
        alias=str(m.get("alias") or ""),
    )


def _restore_vintage(out: spec_builder.Draft, vintage: dict[str, Any] | None) -> None:
    if not vintage or not any(vintage.get(k) for k in ("load_type", "load_id", "all_loads")):
        return  # the API's default, as when saved
    out.load_type = str(vintage.get("load_type") or "")
    load_id = vintage.get("load_id")
    out.load_id = "" if load_id is None else str(load_id)
    out.all_loads = not out.load_type and not out.load_id  # chosen, naming no load: all


def _restore_filters(out: spec_builder.Draft, tree: dict[str, Any] | None) -> None:
    """The filter rows, and the quick search when the tree ends in one (before the filters
    are in the draft, the way `spec_builder` reads its visible text columns)."""
    if not tree:
        return
    rest, needle = _split_quick(tree)
    if needle is not None:
        text_kinds = spec_builder.kinds(out)
        visible_text = [c for c in spec_builder.selected(out) if text_kinds.get(c) == "text"]
        if sorted(visible_text) == sorted(_quick_columns(tree, rest)):
            out.quick_search = needle
            tree = rest
    if tree:
        out.filter_rows = to_rows(tree, spec_builder.kinds(out))


def _is_quick(node: dict[str, Any]) -> str | None:
    """The needle of a quick-search group (an OR of `contains` of one value), else None."""
    conds = node.get("conditions") or []
    if node.get("op") != "or" or node.get("negate") or not conds:
        return None
    values = {c.get("value") for c in conds if c.get("operator") == "contains" and "column" in c}
    if len(values) != 1 or sum(1 for c in conds if "column" in c) != len(conds):
        return None
    needle = next(iter(values))
    return needle if isinstance(needle, str) else None


def _split_quick(tree: dict[str, Any]) -> tuple[dict[str, Any] | None, str | None]:
    """(the rest of the tree, the quick-search text) as `spec_builder._filters` joined them."""
    needle = _is_quick(tree)
    if needle is not None:
        return None, needle
    conds = tree.get("conditions") or []
    if tree.get("op") == "and" and not tree.get("negate") and len(conds) == 2:
        needle = _is_quick(conds[1])
        if needle is not None and "conditions" in conds[0]:
            return conds[0], needle
    return tree, None


def _quick_columns(tree: dict[str, Any], rest: dict[str, Any] | None) -> list[str]:
    quick = tree if rest is None else tree["conditions"][1]
    return [str(c["column"]) for c in quick["conditions"]]


def to_rows(tree: dict[str, Any], kinds: dict[str, str]) -> list[flt.FilterRow]:
    """The API's filter tree -> the builder's flat rows (root first, pre-order)."""
    rows = flt.new_tree()
    rows[0].op = str(tree.get("op") or "and")
    rows[0].negate = bool(tree.get("negate"))
    return _add_children(rows, flt.ROOT, tree.get("conditions") or [], kinds)


def _add_children(
    rows: list[flt.FilterRow], group_id: str, nodes: list[dict[str, Any]], kinds: dict[str, str]
) -> list[flt.FilterRow]:
    for node in nodes:
        if "conditions" in node:
            sub = flt.group(str(node.get("op") or "and"))
            sub.negate = bool(node.get("negate"))
            rows = flt.add_row(rows, group_id, sub)
            rows = _add_children(rows, sub.id, node.get("conditions") or [], kinds)
        else:
            rows = flt.add_row(rows, group_id, _condition(node, kinds))
    return rows


def _condition(node: dict[str, Any], kinds: dict[str, str]) -> flt.FilterRow:
    column, operator = str(node.get("column", "")), str(node.get("operator", ""))
    row = flt.condition(column, kinds.get(column, "text"), operator)
    value = node.get("value")
    if operator == "between" and isinstance(value, list) and len(value) == 2:
        row.value, row.value2 = _text(value[0]), _text(value[1])
    elif isinstance(value, list):
        row.value = "\n".join(_text(v) for v in value)
    elif value is not None:
        row.value = _text(value)
    return row


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return "" if value is None else str(value)


def joined_columns(schema: dict[str, Any]) -> list[ColumnMeta]:
    """The joined schema's columns; a qualified (ambiguous) name says its dataset in the label."""
    labels = {
        str(d.get("alias")): str(d.get("label") or d.get("dataset"))
        for d in schema.get("datasets", [])
    }
    out = []
    for c in schema.get("columns", []):
        name, type_ = str(c.get("name", "")), str(c.get("type", ""))
        label = str(c.get("label") or c.get("column") or name)
        if "." in name:
            label = f"{label} ({labels.get(str(c.get('alias')), c.get('dataset'))})"
        out.append(
            ColumnMeta(
                name=name,
                label=label,
                type=type_,
                kind=fmt.kind_of(type_),
                format=str(c.get("format") or ""),
            )
        )
    return out
