"""The filter tree as the UI edits it: a flat, pre-ordered list of rows with depths.

Reflex renders lists, not recursive trees, so a nested AND/OR tree is kept as rows
(`group` rows and `cond` rows, each knowing its parent) and turned into the API's tree
only when a query is sent. Pure functions; the state just stores the rows.
"""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Callable
from typing import Any

from aurora import vocabulary
from aurora.formatting import NUMERIC_KINDS, TEMPORAL_KINDS, format_value

ROOT = "root"

# The value editor each operator needs (which operators a column offers, and their labels,
# come from the API: aurora.vocabulary).
NO_VALUE_OPS = frozenset({"is_null", "is_not_null"})
LIST_OPS = frozenset({"in", "not_in"})


@dataclasses.dataclass
class FilterRow:
    """One line of the filter builder: a group header or a condition."""

    id: str = ""
    kind: str = "cond"  # "group" | "cond"
    depth: int = 0
    parent: str = ""
    op: str = "and"  # groups: "and" | "or"
    negate: bool = False
    column: str = ""
    operator: str = ""
    value: str = ""  # single value, `between` low, or the pasted list for in/not_in
    value2: str = ""  # `between` high
    col_kind: str = "text"
    error: str = ""


def new_id() -> str:
    return uuid.uuid4().hex[:10]


def new_tree() -> list[FilterRow]:
    return [FilterRow(id=ROOT, kind="group", depth=0)]


def _subtree_end(rows: list[FilterRow], index: int) -> int:
    """Index just past the last descendant of the row at `index`."""
    depth = rows[index].depth
    end = index + 1
    while end < len(rows) and rows[end].depth > depth:
        end += 1
    return end


def _index(rows: list[FilterRow], row_id: str) -> int:
    for i, row in enumerate(rows):
        if row.id == row_id:
            return i
    raise KeyError(row_id)


def add_row(rows: list[FilterRow], group_id: str, row: FilterRow) -> list[FilterRow]:
    """Append `row` as the last child of the group `group_id`."""
    rows = rows or new_tree()
    at = _index(rows, group_id)
    row.parent, row.depth = group_id, rows[at].depth + 1
    end = _subtree_end(rows, at)
    return [*rows[:end], row, *rows[end:]]


def condition(column: str, kind: str, operator: str = "", value: str = "") -> FilterRow:
    return FilterRow(
        id=new_id(),
        kind="cond",
        column=column,
        operator=operator or vocabulary.current().default_operator(kind),
        value=value,
        col_kind=kind,
    )


def blank_condition() -> FilterRow:
    """A new condition row before its column is chosen: never sent, never counted."""
    return FilterRow(id=new_id(), kind="cond", column="", operator="")


def group(op: str = "and") -> FilterRow:
    return FilterRow(id=new_id(), kind="group", op=op)


def remove_row(rows: list[FilterRow], row_id: str) -> list[FilterRow]:
    """Remove a row and everything under it; removing the root clears the tree."""
    if row_id == ROOT:
        return new_tree()
    try:
        at = _index(rows, row_id)
    except KeyError:
        return rows
    return [*rows[:at], *rows[_subtree_end(rows, at) :]]


def update_row(rows: list[FilterRow], row_id: str, **changes: Any) -> list[FilterRow]:
    return [dataclasses.replace(r, **changes) if r.id == row_id else r for r in rows]


def conditions(rows: list[FilterRow]) -> list[FilterRow]:
    return [r for r in rows if r.kind == "cond"]


def split_list(text: str) -> list[str]:
    """A pasted list -> its values: commas, semicolons, tabs and newlines all separate."""
    return [part.strip() for part in re.split(r"[,;\t\r\n]+", text) if part.strip()]


def _typed(text: str, kind: str) -> Any:
    """Numbers typed as text become JSON numbers; anything the API must judge stays text."""
    text = text.strip()
    if kind in NUMERIC_KINDS:
        try:
            return int(text) if re.fullmatch(r"-?\d+", text) else float(text)
        except ValueError:
            return text
    if kind == "boolean":
        return {"true": True, "yes": True, "false": False, "no": False}.get(text.lower(), text)
    return text


def is_complete(row: FilterRow) -> bool:
    """A condition is sent only once it has what its operator needs."""
    if not row.column or not row.operator:
        return False
    if row.operator in NO_VALUE_OPS:
        return True
    if row.operator == "between":
        return bool(row.value.strip() and row.value2.strip())
    if row.operator in LIST_OPS:
        return bool(split_list(row.value))
    return bool(row.value.strip()) or row.col_kind == "text"


def condition_spec(row: FilterRow) -> dict[str, Any]:
    spec: dict[str, Any] = {"column": row.column, "operator": row.operator}
    if row.operator in NO_VALUE_OPS:
        return spec
    if row.operator == "between":
        spec["value"] = [_typed(row.value, row.col_kind), _typed(row.value2, row.col_kind)]
    elif row.operator in LIST_OPS:
        spec["value"] = [_typed(v, row.col_kind) for v in split_list(row.value)]
    else:
        spec["value"] = _typed(row.value, row.col_kind)
    return spec


def to_spec(
    rows: list[FilterRow], prefix: str = "filters"
) -> tuple[dict[str, Any] | None, dict[str, str]]:
    """The API's filter tree, plus where each condition sits in it (`filters.conditions[1]`
    -> row id) so validation errors can be shown beside the condition they name."""
    if not rows:
        return None, {}
    paths: dict[str, str] = {}
    tree = _group_spec(rows, 0, prefix, paths)
    if not tree or not tree["conditions"]:
        return None, {}
    return tree, paths


def _group_spec(
    rows: list[FilterRow], at: int, path: str, paths: dict[str, str]
) -> dict[str, Any] | None:
    head = rows[at]
    children: list[dict[str, Any]] = []
    i, end = at + 1, _subtree_end(rows, at)
    while i < end:
        row = rows[i]
        child_path = f"{path}.conditions[{len(children)}]"
        if row.kind == "group":
            sub = _group_spec(rows, i, child_path, paths)
            if sub and sub["conditions"]:
                children.append(sub)
                paths[child_path] = row.id
            i = _subtree_end(rows, i)
            continue
        if is_complete(row):
            children.append(condition_spec(row))
            paths[child_path] = row.id
        i += 1
    if not children:
        return None
    spec: dict[str, Any] = {"op": head.op, "conditions": children}
    if head.negate:
        spec["negate"] = True
    return spec


def row_for_path(path: str, paths: dict[str, str]) -> str | None:
    """The row an API error path names: the longest known prefix of it."""
    normalized = re.sub(r"\.(\d+)(?=\.|$)", r"[\1]", path.replace("/", "."))
    best = ""
    for known in paths:
        if normalized.startswith(known) and len(known) > len(best):
            rest = normalized[len(known) :]
            if not rest or rest[0] in ".[":
                best = known
    return paths.get(best) if best else None


# Pills read like the grid: comparisons as symbols, values formatted as the column shows them.
_PILL_OPS = {"=": "=", "!=": "\u2260", "<": "<", "<=": "\u2264", ">": ">", ">=": "\u2265"}


def _shown(text: str, kind: str, fmt: str) -> str:
    """A typed value as the grid would show it (`1000000000` -> `1,000,000,000`)."""
    text = text.strip()
    if kind not in NUMERIC_KINDS and kind not in TEMPORAL_KINDS:
        return text
    value: Any = _typed(text, kind) if kind in NUMERIC_KINDS else text
    if isinstance(value, str) and kind in NUMERIC_KINDS:
        return text  # not a number: the API will say so; show what was typed
    if isinstance(value, float) and kind == "integer":
        kind = "float"  # 1000.5 against whole numbers: shown as typed, not rounded
    return format_value(value, kind, fmt or None) or text


def describe(row: FilterRow, label: str, fmt: str = "") -> str:
    """A readable one-line summary of a condition, used for the pills above the grid.

    >>> describe(FilterRow(column="total", operator=">", value="1000000000", col_kind="float"),
    ...          "Total revenue")
    'Total revenue > 1,000,000,000.00'
    """
    op = _PILL_OPS.get(row.operator) or vocabulary.current().label(row.operator)
    kind = row.col_kind
    if row.operator in NO_VALUE_OPS:
        return f"{label} {op}"
    if row.operator == "between":
        low, high = _shown(row.value, kind, fmt), _shown(row.value2, kind, fmt)
        return f"{label} {op} {low} and {high}"
    if row.operator in LIST_OPS:
        values = [_shown(v, kind, fmt) for v in split_list(row.value)]
        shown = ", ".join(values[:5]) + (f" +{len(values) - 5}" if len(values) > 5 else "")
        return f"{label} {op} {shown}"
    return f"{label} {op} {_shown(row.value, kind, fmt)}"


def _children(rows: list[FilterRow], at: int) -> list[int]:
    """Indexes of the direct children of the group at `at`."""
    out, i, end = [], at + 1, _subtree_end(rows, at)
    while i < end:
        out.append(i)
        i = _subtree_end(rows, i)
    return out


def _group_text(rows: list[FilterRow], at: int, words: Callable[[FilterRow], str]) -> str:
    parts = []
    for i in _children(rows, at):
        if rows[i].kind == "group":
            part = _group_text(rows, i, words)
        else:
            part = words(rows[i]) if is_complete(rows[i]) else ""
        if part:
            parts.append(part)
    if not parts:
        return ""
    head = rows[at]
    text = (" OR " if head.op == "or" else " AND ").join(parts)
    if len(parts) > 1 or head.negate:
        text = f"({text})"
    return f"NOT {text}" if head.negate else text


def pills(rows: list[FilterRow], words: Callable[[FilterRow], str]) -> list[tuple[str, str]]:
    """(row id, text) of each pill: one per part of the top AND, a group as one pill with its
    logic spelled out, so nothing ORed looks ANDed; a top OR (or NOT) is a single pill.

    >>> rows = add_row(new_tree(), ROOT, condition("region", "text", "=", "West"))
    >>> rows = add_row(rows, ROOT, group("or"))
    >>> rows = add_row(rows, rows[-1].id, condition("dept", "text", "starts_with", "Fin"))
    >>> rows = add_row(rows, rows[2].id, condition("channel", "text", "=", "Online"))
    >>> [text for _, text in pills(rows, lambda r: describe(r, r.column.title()))]
    ['Region = West', '(Dept starts with Fin OR Channel = Online)']
    """
    if not rows:
        return []
    root = rows[0]
    if root.op == "or" or root.negate:
        text = _group_text(rows, 0, words)
        return [(root.id, text)] if text else []
    out = []
    for i in _children(rows, 0):
        row = rows[i]
        text = _group_text(rows, i, words) if row.kind == "group" else ""
        if row.kind == "cond" and is_complete(row):
            text = words(row)
        if text:
            out.append((row.id, text))
    return out


def quick_search_group(text: str, text_columns: list[str]) -> dict[str, Any] | None:
    """The quick search box: `contains` over each visible text column, any may match."""
    needle = text.strip()
    if not needle or not text_columns:
        return None
    return {
        "op": "or",
        "conditions": [
            {"column": c, "operator": "contains", "value": needle} for c in text_columns
        ],
    }
