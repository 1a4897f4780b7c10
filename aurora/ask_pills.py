"""The Ask box's pills over the spec /api/ask proposed: removing one takes its part out of
the spec (and what depends on it), editing a filter's value or a limit changes it. Pure.

A part names where it landed by `spec_path` (`measures.1`, `filters.conditions.0`,
`limit`, ...). After a removal the other parts of that list move up one, so their
paths are renumbered here; the spec and its pills always agree.

>>> spec = {"dataset": "sales", "group_by": ["region"],
...         "measures": [{"agg": "sum", "column": "amount", "alias": "total"}],
...         "sort": [{"column": "total", "direction": "desc"}]}
>>> parts = [{"kind": "measure", "spec_path": "measures.0"}, {"kind": "group",
...          "spec_path": "group_by.0"}, {"kind": "sort", "spec_path": "sort.0"}]
>>> spec, parts = remove(spec, parts, 0)
>>> spec
{'dataset': 'sales', 'group_by': ['region']}
>>> [p["spec_path"] for p in parts]
['group_by.0']
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

# Parts whose removal would leave no spec (its dataset) or dangling names (a join's columns).
FIXED_KINDS = frozenset({"dataset", "join"})
EDITABLE_KINDS = frozenset({"filter", "limit"})

Path = tuple[str, int | None]  # ("measures", 1), ("limit", None)

MAX_LIMIT = 10_000_000  # the API's bound on a top N (backend.query.spec.MAX_LIMIT)


def _path(spec_path: str) -> Path:
    head, _, tail = spec_path.rpartition(".")
    if head and tail.isdigit():
        return head, int(tail)
    return spec_path, None


def _list(spec: dict[str, Any], name: str) -> list[Any]:
    if name == "filters.conditions":
        return list((spec.get("filters") or {}).get("conditions") or [])
    return list(spec.get(name) or [])


def _put(spec: dict[str, Any], name: str, items: list[Any]) -> None:
    if name == "filters.conditions":
        if items:
            spec["filters"] = {**(spec.get("filters") or {}), "conditions": items}
        else:
            spec.pop("filters", None)
    elif items:
        spec[name] = items
    else:
        spec.pop(name, None)


def _output_name(entry: Any) -> str:
    """A group-by entry's or measure's output column (what a sort key names)."""
    if isinstance(entry, str):
        return entry
    if "alias" in entry and "agg" in entry:
        return str(entry["alias"])
    column = str(entry.get("column", "")).rsplit(".", 1)[-1]
    return str(entry.get("alias") or f"{column}_{entry.get('bucket')}")


def _dependents(spec: dict[str, Any], path: Path) -> list[Path]:
    """The sort keys on a measure or group being removed go with it."""
    name, index = path
    if name not in ("measures", "group_by") or index is None:
        return []
    items = _list(spec, name)
    if index >= len(items):
        return []
    gone = _output_name(items[index])
    return [("sort", i) for i, s in enumerate(_list(spec, "sort")) if s.get("column") == gone]


def _drop(spec: dict[str, Any], paths: Iterable[Path]) -> dict[str, Any]:
    out = copy.deepcopy(spec)
    by_list: dict[str, set[int]] = {}
    for name, index in paths:
        if index is None:
            out.pop(name, None)
        else:
            by_list.setdefault(name, set()).add(index)
    for name, indices in by_list.items():
        _put(out, name, [x for i, x in enumerate(_list(out, name)) if i not in indices])
    return out


def _renumber(parts: list[dict[str, Any]], gone: set[Path]) -> list[dict[str, Any]]:
    kept = []
    for part in parts:
        name, index = _path(str(part.get("spec_path", "")))
        if (name, index) in gone:
            continue
        if index is not None:
            shift = sum(1 for n, i in gone if n == name and i is not None and i < index)
            part = {**part, "spec_path": f"{name}.{index - shift}"}
        kept.append(part)
    return kept


def remove(
    spec: dict[str, Any], parts: list[dict[str, Any]], at: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The spec and pills without pill `at` (unchanged for a fixed kind)."""
    if not 0 <= at < len(parts) or parts[at].get("kind") in FIXED_KINDS:
        return spec, parts
    path = _path(str(parts[at].get("spec_path", "")))
    gone = {path, *_dependents(spec, path)}
    return _drop(spec, gone), _renumber(parts, gone)


def _typed(text: str, like: Any) -> Any:
    """`text` as the type of the value it replaces (a number stays a number)."""
    if isinstance(like, bool) or not isinstance(like, int | float):
        return text
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return text
    return int(number) if number == number.to_integral_value() else float(number)


def _shown(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def edit(
    spec: dict[str, Any], parts: list[dict[str, Any]], at: int, text: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A filter's value (a list: comma-separated) or the limit set to `text`."""
    if not 0 <= at < len(parts) or parts[at].get("kind") not in EDITABLE_KINDS or not text.strip():
        return spec, parts
    part = parts[at]
    out = copy.deepcopy(spec)
    if part["kind"] == "limit":
        if not text.strip().isdigit() or not 1 <= int(text) <= MAX_LIMIT:
            return spec, parts
        out["limit"] = int(text)
        new_label = f"first {int(text)}"
    else:
        name, index = _path(str(part["spec_path"]))
        conditions = _list(out, name)
        if index is None or index >= len(conditions):
            return spec, parts
        old = conditions[index].get("value")
        if isinstance(old, list):
            new: Any = [_typed(t.strip(), old[0] if old else "") for t in text.split(",")]
        else:
            new = _typed(text.strip(), old)
        conditions[index] = {**conditions[index], "value": new}
        _put(out, name, conditions)
        label = str(part.get("label", ""))
        before = _shown(old)
        new_label = label.replace(before, _shown(new)) if before and before in label else label
    parts = [*parts[:at], {**part, "label": new_label}, *parts[at + 1 :]]
    return out, parts


def value_of(spec: dict[str, Any], part: dict[str, Any]) -> str:
    """What an editable pill's field starts with."""
    if part.get("kind") == "limit":
        return str(spec.get("limit", ""))
    name, index = _path(str(part.get("spec_path", "")))
    conditions = _list(spec, name)
    if index is None or index >= len(conditions):
        return ""
    value = conditions[index].get("value")
    return "" if value is None else _shown(value)
