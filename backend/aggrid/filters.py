"""AG Grid's filter model as Aurora filter conditions.

Column filters (`{colId: model}`): `text`, `number`, `date` and `set` filters, combined
conditions (`operator` + `conditions`, or the older `condition1`/`condition2`) and `multi`
filters; also the Advanced Filter model (`filterType: "join"` trees of `colId` conditions).

Semantics follow AG Grid's defaults where SQL can say the same thing:
- text `contains`/`startsWith`/`endsWith` are case-insensitive (Aurora's operators are);
  `equals`/`notEqual` compare exactly (case-sensitive) on the server;
- `inRange` excludes both ends, AG Grid's default (`inRangeInclusive: false`);
- date filters compare whole days: on a timestamp column `equals 2024-01-05` is every
  moment of that day, `greaterThan` starts the day after;
- `blank` is NULL (or '' for text), `notBlank` the opposite;
- a set filter with no values selected matches no rows; `null` in `values` is the blanks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from backend.catalog.models import Column, Dataset, type_kind
from backend.errors import InvalidQuery, UnknownColumn
from backend.query.spec import (
    MAX_FILTER_DEPTH,
    MAX_FILTER_NODES,
    MAX_IN_VALUES,
    Condition,
    FilterGroup,
    FilterNode,
    Op,
    Scalar,
)

Model = Mapping[str, Any]
# Levels a grid's own filter groups may nest: the request's filters are one group more.
MAX_GRID_DEPTH = MAX_FILTER_DEPTH - 1

_COMPARE: dict[str, Op] = {
    "equals": Op.EQ,
    "notEqual": Op.NE,
    "lessThan": Op.LT,
    "lessThanOrEqual": Op.LE,
    "greaterThan": Op.GT,
    "greaterThanOrEqual": Op.GE,
}
_TEXT: dict[str, Op] = {
    "contains": Op.CONTAINS,
    "startsWith": Op.STARTS_WITH,
    "endsWith": Op.ENDS_WITH,
}


def filter_nodes(model: Model | None, dataset: Dataset) -> list[FilterNode]:
    """The conditions of a whole filter model, to be ANDed."""
    if not model:
        return []
    if "colId" in model or model.get("filterType") == "join":  # the Advanced Filter
        return [_advanced(model, dataset, "filterModel", 1)]
    nodes: list[FilterNode] = []
    for col_id, column_model in model.items():
        path = f"filterModel.{col_id}"
        if not isinstance(column_model, Mapping):
            raise InvalidQuery(f"{path} must be a filter model object", path=path)
        nodes.append(_column_filter(column_of(dataset, col_id, path), column_model, path, 1))
    return nodes


def _bounded(items: Any, path: str) -> list[Any]:
    """A model's list of sub-models: a list, of at most as many as a spec's filters take."""
    if not isinstance(items, list):
        raise InvalidQuery(f"{path} must be a list", path=path)
    if len(items) > MAX_FILTER_NODES:
        raise InvalidQuery(
            f"{path} has {len(items):,} conditions; at most {MAX_FILTER_NODES}", path=path
        )
    return items


def _deeper(depth: int, path: str) -> int:
    """The next nesting level, refused past what a spec takes (and long before Python's
    recursion limit: a hostile model can nest a thousand levels)."""
    if depth > MAX_GRID_DEPTH:
        raise InvalidQuery(
            f"{path} nests filter groups more than {MAX_GRID_DEPTH} deep; flatten the filter",
            path=path,
        )
    return depth + 1


def column_of(dataset: Dataset, name: str, path: str) -> Column:
    """A dataset column by exact name, else by a unique case-insensitive match."""
    found = dataset.column(name)
    if found is None:
        folded = [c for c in dataset.columns if c.name.casefold() == name.casefold()]
        found = folded[0] if len(folded) == 1 else None
    if found is None:
        raise UnknownColumn(f"unknown column '{name}' in {dataset.key}", path=path)
    return found


def _column_filter(column: Column, model: Model, path: str, depth: int) -> FilterNode:
    kind = model.get("filterType")
    if kind == "multi":
        inner = _deeper(depth, path)
        parts = [
            _column_filter(column, sub, f"{path}.filterModels[{i}]", inner)
            for i, sub in enumerate(_bounded(model.get("filterModels") or [], path))
            if isinstance(sub, Mapping)
        ]
        return FilterGroup(op="and", conditions=parts)
    conditions = _combined_parts(model)
    if conditions is not None:
        op = str(model.get("operator", "AND")).lower()
        if op not in ("and", "or"):
            raise InvalidQuery(f"{path}.operator must be AND or OR", path=f"{path}.operator")
        inner = _deeper(depth, path)
        parts = [
            _column_filter(column, {"filterType": kind, **sub}, f"{path}.conditions[{i}]", inner)
            for i, sub in enumerate(_bounded(conditions, f"{path}.conditions"))
        ]
        return FilterGroup(op="and" if op == "and" else "or", conditions=parts)
    return _simple(column, model, path)


def _combined_parts(model: Model) -> list[Model] | None:
    if isinstance(model.get("conditions"), list):
        return [c for c in model["conditions"] if isinstance(c, Mapping)]
    if "condition1" in model:  # AG Grid before v29
        return [c for c in (model.get("condition1"), model.get("condition2")) if c]
    return None


def _simple(column: Column, model: Model, path: str) -> FilterNode:
    kind = model.get("filterType") or _guess_kind(model)
    build = _BUILDERS.get(str(kind))
    if build is None:
        raise InvalidQuery(
            f"{path}: filterType '{kind}' is not supported; use text, number, date or set",
            path=f"{path}.filterType",
        )
    return build(column, model, path)


def _guess_kind(model: Model) -> str:
    if "values" in model:
        return "set"
    return "date" if "dateFrom" in model else "text"


def _text(column: Column, model: Model, path: str) -> FilterNode:
    kind, value = model.get("type"), model.get("filter")
    if kind in ("blank", "notBlank"):
        return _blank(column, kind == "blank")
    if kind in _TEXT or kind == "notContains":
        op = _TEXT.get(str(kind), Op.CONTAINS)
        node = Condition(column=column.name, operator=op, value=_scalar(value, path))
        return FilterGroup(negate=True, conditions=[node]) if kind == "notContains" else node
    return _compare(column, model, path, value)


def _number(column: Column, model: Model, path: str) -> FilterNode:
    return _compare(column, model, path, model.get("filter"), model.get("filterTo"))


def _compare(
    column: Column, model: Model, path: str, value: Any, value_to: Any = None
) -> FilterNode:
    kind = model.get("type")
    if kind in ("blank", "notBlank"):
        return _blank(column, kind == "blank")
    if kind == "inRange":
        low = Condition(column=column.name, operator=Op.GT, value=_scalar(value, path))
        high = Condition(column=column.name, operator=Op.LT, value=_scalar(value_to, path))
        return FilterGroup(conditions=[low, high])
    if kind not in _COMPARE:
        raise InvalidQuery(f"{path}: filter type '{kind}' is not supported", path=f"{path}.type")
    return Condition(column=column.name, operator=_COMPARE[str(kind)], value=_scalar(value, path))


def _date(column: Column, model: Model, path: str) -> FilterNode:
    kind = model.get("type")
    if kind in ("blank", "notBlank"):
        return _blank(column, kind == "blank")
    start = _day(model.get("dateFrom"), path)
    if type_kind(column.type) != "timestamp":
        end = _day(model.get("dateTo"), path, True) if kind == "inRange" else None
        return _compare(column, model, path, start, end)
    return _timestamp_days(column, model, path, start)


def _timestamp_days(column: Column, model: Model, path: str, day: dt.date) -> FilterNode:
    """Whole days on a timestamp column: [day, day + 1) is the day."""
    kind, name = model.get("type"), column.name
    after = day + dt.timedelta(days=1)
    same_day = FilterGroup(
        conditions=[
            Condition(column=name, operator=Op.GE, value=day),
            Condition(column=name, operator=Op.LT, value=after),
        ]
    )
    if kind == "equals":
        return same_day
    if kind == "notEqual":
        return FilterGroup(negate=True, conditions=[same_day])
    if kind in ("lessThan", "greaterThanOrEqual"):
        return Condition(column=name, operator=_COMPARE[str(kind)], value=day)
    if kind in ("greaterThan", "lessThanOrEqual"):
        op = Op.GE if kind == "greaterThan" else Op.LT
        return Condition(column=name, operator=op, value=after)
    if kind == "inRange":
        end = _day(model.get("dateTo"), path, True)
        return FilterGroup(
            conditions=[
                Condition(column=name, operator=Op.GE, value=after),
                Condition(column=name, operator=Op.LT, value=end),
            ]
        )
    raise InvalidQuery(f"{path}: filter type '{kind}' is not supported", path=f"{path}.type")


def _day(value: Any, path: str, to: bool = False) -> dt.date:
    field = "dateTo" if to else "dateFrom"
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as e:
        raise InvalidQuery(
            f"{path}.{field} must be a date (YYYY-MM-DD), got {value!r}", path=f"{path}.{field}"
        ) from e


def _set(column: Column, model: Model, path: str) -> FilterNode:
    values = model.get("values")
    if not isinstance(values, list):
        raise InvalidQuery(f"{path}.values must be a list", path=f"{path}.values")
    if len(values) > MAX_IN_VALUES:
        raise InvalidQuery(
            f"{path}.values has {len(values):,} values; a set filter takes at most "
            f"{MAX_IN_VALUES:,} (use a text or number filter, or untick fewer values)",
            path=f"{path}.values",
        )
    known = [_scalar(v, path) for v in values if v is not None]
    parts: list[FilterNode] = []
    if known:
        parts.append(Condition(column=column.name, operator=Op.IN, value=known))
    if len(known) < len(values):
        parts.append(Condition(column=column.name, operator=Op.IS_NULL))
    if not parts:  # nothing ticked: no row passes
        return FilterGroup(conditions=[_null(column, True), _null(column, False)])
    return FilterGroup(op="or", conditions=parts)


def _boolean(column: Column, model: Model, path: str) -> FilterNode:
    kind = model.get("type")
    if kind in ("true", "false"):
        return Condition(column=column.name, operator=Op.EQ, value=kind == "true")
    return _compare(column, model, path, model.get("filter"))


def _blank(column: Column, blank: bool) -> FilterNode:
    if type_kind(column.type) != "text":
        return _null(column, blank)
    empty = Condition(column=column.name, operator=Op.EQ if blank else Op.NE, value="")
    return FilterGroup(op="or" if blank else "and", conditions=[_null(column, blank), empty])


def _null(column: Column, null: bool) -> Condition:
    return Condition(column=column.name, operator=Op.IS_NULL if null else Op.IS_NOT_NULL)


def _scalar(value: Any, path: str) -> Scalar:
    if value is None or isinstance(value, str | int | float | bool | dt.date):
        return value
    raise InvalidQuery(f"{path} holds a value that is not text, a number or a date", path=path)


def _advanced(model: Model, dataset: Dataset, path: str, depth: int) -> FilterNode:
    if model.get("filterType") == "join":
        op = str(model.get("type", "AND")).lower()
        inner = _deeper(depth, path)
        parts = [
            _advanced(sub, dataset, f"{path}.conditions[{i}]", inner)
            for i, sub in enumerate(_bounded(model.get("conditions") or [], f"{path}.conditions"))
            if isinstance(sub, Mapping)
        ]
        return FilterGroup(op="or" if op == "or" else "and", conditions=parts)
    column = column_of(dataset, str(model.get("colId")), f"{path}.colId")
    kind = model.get("filterType")
    adapted = {**model, "filterType": "date" if kind == "dateString" else kind}
    if kind in ("date", "dateString"):
        adapted.update(dateFrom=model.get("filter"), dateTo=model.get("filterTo"))
    return _simple(column, adapted, path)


_BUILDERS: dict[str, Callable[[Column, Model, str], FilterNode]] = {
    "text": _text,
    "number": _number,
    "date": _date,
    "set": _set,
    "boolean": _boolean,
    "object": _text,
}
