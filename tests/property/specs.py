"""Hypothesis strategies: query specs over the tiny warehouse (tests/conftest.py), `sales`
optionally joined to `items` on `quantity = item_id`.

Mostly valid specs of every shape the spec allows (detail and grouped, nested AND/OR/NOT
filters with every operator, calculated fields, conditional measures, totals, vintage,
sort, paging), with values of the column's type, including the warehouse's awkward texts;
now and then a value or operator of the wrong type, or any text at all, which must give a
4xx. Column names are never qualified, so a spec over `sales` runs unchanged over a copy of
it under another name (the RLS property compares the two).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tests.conftest import REGIONS, SALES_LOADS, TEXTS

# column -> kind, as the tiny warehouse writes them
SALES = {
    "order_id": "int",
    "order_date": "date",
    "region": "text",
    "customer": "text",
    "quantity": "int",
    "amount": "decimal",
    "discount": "float",
    "created_at": "timestamp",
    "is_return": "bool",
    "load_type": "text",
    "load_id": "int",
}
ITEMS = {
    "item_id": "int",
    "name": "text",
    "price": "decimal",
    "weight": "float",
    "added_on": "date",
    "updated_at": "timestamp",
    "active": "bool",
}
NUMERIC = ("int", "decimal", "float")
ORDERED = ("=", "!=", "<", ">", "<=", ">=", "in", "not_in", "between")
OPERATORS = {
    "int": (*ORDERED, "is_null", "is_not_null"),
    "decimal": (*ORDERED, "is_null", "is_not_null"),
    "float": (*ORDERED, "is_null", "is_not_null"),
    "date": (*ORDERED, "is_null", "is_not_null"),
    "timestamp": (*ORDERED, "is_null", "is_not_null"),
    "text": (*ORDERED, "contains", "starts_with", "ends_with", "is_null", "is_not_null"),
    "bool": ("=", "!=", "is_null", "is_not_null"),
}
ALL_OPERATORS = sorted({op for ops in OPERATORS.values() for op in ops})
LOW_CARDINALITY = ("region", "load_type", "is_return", "quantity", "customer", "active")
CALCULATED = {  # name -> (expression, kind)
    "double_amount": ("amount * 2", "decimal"),
    "net": ("amount * (1 - coalesce(discount, 0))", "float"),
    "next_day": ("order_date + 1", "date"),
    "shout": ("upper(customer)", "text"),
}


def _int() -> st.SearchStrategy[Any]:
    return st.one_of(st.integers(-5, 500), st.integers(20231231, 20240131))


def _decimal() -> st.SearchStrategy[Any]:
    exact = st.decimals(min_value=-1000, max_value=2000, places=2, allow_nan=False)
    return st.one_of(exact.map(str), st.integers(-10, 1000), st.floats(-10, 1000))


def _date() -> st.SearchStrategy[Any]:
    days = st.dates(dt.date(2023, 11, 1), dt.date(2024, 3, 1))
    return days.map(dt.date.isoformat)


def _timestamp() -> st.SearchStrategy[Any]:
    moments = st.datetimes(dt.datetime(2023, 11, 1), dt.datetime(2024, 3, 1))
    return st.one_of(moments.map(lambda m: m.isoformat(sep=" ")), _date())


def _text() -> st.SearchStrategy[Any]:
    known = st.sampled_from([*TEXTS, *REGIONS, *SALES_LOADS, "", "zzz", "%", "_"])
    return st.one_of(known, known, st.text(max_size=12))


VALUES = {
    "int": _int(),
    "decimal": _decimal(),
    "float": st.floats(-10, 1000, allow_nan=False),
    "date": _date(),
    "timestamp": _timestamp(),
    "text": _text(),
    "bool": st.booleans(),
}
ANYTHING = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=8), st.floats(allow_nan=False)
)


@st.composite
def value_for(draw: st.DrawFn, kind: str, operator: str) -> Any:
    """A value the operator takes on a column of `kind`; now and then a wrong one."""
    one = VALUES[kind] if draw(st.integers(0, 19)) else ANYTHING
    if operator in ("is_null", "is_not_null"):
        return None
    if operator in ("in", "not_in"):
        return draw(st.lists(one, min_size=1, max_size=6))
    if operator == "between":
        return sorted_pair(draw(one), draw(one))
    return draw(one)


def sorted_pair(a: Any, b: Any) -> list[Any]:
    try:
        return sorted([a, b])
    except TypeError:
        return [a, b]


@st.composite
def condition(draw: st.DrawFn, columns: dict[str, str]) -> dict[str, Any]:
    column = draw(st.sampled_from(sorted(columns)))
    kind = columns[column]
    operators = OPERATORS[kind] if draw(st.integers(0, 14)) else ALL_OPERATORS
    operator = draw(st.sampled_from(operators))
    return {"column": column, "operator": operator, "value": draw(value_for(kind, operator))}


def filter_tree(columns: dict[str, str], depth: int = 3) -> st.SearchStrategy[Any]:
    leaf = condition(columns)
    if depth == 0:
        return leaf
    group = st.fixed_dictionaries(
        {
            "op": st.sampled_from(["and", "or"]),
            "negate": st.booleans(),
            "conditions": st.lists(filter_tree(columns, depth - 1), max_size=3),
        }
    )
    return st.one_of(leaf, leaf, group)


@st.composite
def measure(draw: st.DrawFn, columns: dict[str, str], alias: str) -> dict[str, Any]:
    column = draw(st.sampled_from(sorted(columns)))
    numeric = columns[column] in NUMERIC
    aggs = ["sum", "avg", "min", "max", "count", "count_distinct"] if numeric else ["count"]
    out: dict[str, Any] = {"agg": draw(st.sampled_from(aggs)), "alias": alias}
    if out["agg"] != "count" or draw(st.booleans()):
        out["column"] = column
    if draw(st.integers(0, 3)) == 0:
        out["where"] = draw(condition(columns))
    return out


@st.composite
def query_spec(draw: st.DrawFn, dataset: str = "sales") -> dict[str, Any]:
    """A spec over `dataset` (the tiny `sales`, or a copy of it under another key)."""
    columns = dict(SALES)
    spec: dict[str, Any] = {"dataset": dataset}
    if draw(st.integers(0, 4)) == 0:
        columns |= ITEMS
        side = draw(st.sampled_from(["inner", "left"]))
        on = [{"left": "quantity", "right": "item_id"}]
        spec["joins"] = [{"dataset": "items", "type": side, "on": on}]
    names = draw(st.lists(st.sampled_from(sorted(CALCULATED)), unique=True, max_size=2))
    if names:
        spec["calculated"] = [{"name": n, "expr": CALCULATED[n][0]} for n in names]
        columns |= {n: CALCULATED[n][1] for n in names}
    if draw(st.booleans()):
        spec["filters"] = draw(
            st.fixed_dictionaries(
                {
                    "op": st.sampled_from(["and", "or"]),
                    "conditions": st.lists(filter_tree(columns), max_size=4),
                }
            )
        )
    if draw(st.booleans()):
        _grouped(draw, spec, columns)
    else:
        shown = draw(st.lists(st.sampled_from(sorted(columns)), unique=True, max_size=5))
        spec["columns"] = shown
        keys = shown or sorted(SALES)
        spec["sort"] = _sort(draw, keys)
    if draw(st.integers(0, 3)) == 0:
        load_type = draw(st.sampled_from(sorted(SALES_LOADS)))
        load_id = draw(st.one_of(st.none(), st.sampled_from(SALES_LOADS[load_type])))
        spec["vintage"] = {"load_type": load_type, "load_id": load_id}
    spec["page"] = draw(st.integers(1, 3))
    spec["page_size"] = draw(st.sampled_from([1, 7, 50, 200]))
    return spec


def _grouped(draw: st.DrawFn, spec: dict[str, Any], columns: dict[str, str]) -> None:
    groups = [c for c in LOW_CARDINALITY if c in columns]
    spec["group_by"] = draw(st.lists(st.sampled_from(groups), unique=True, max_size=2))
    count = draw(st.integers(0 if spec["group_by"] else 1, 3))
    spec["measures"] = [draw(measure(columns, f"m{i}")) for i in range(count)]
    if spec["group_by"] and draw(st.integers(0, 3)) == 0:
        spec["totals"] = draw(st.sampled_from(["grand", "rollup"]))
    spec["sort"] = _sort(draw, [*spec["group_by"], *(m["alias"] for m in spec["measures"])])


def _sort(draw: st.DrawFn, keys: list[str]) -> list[dict[str, str]]:
    chosen = draw(st.lists(st.sampled_from(keys), unique=True, max_size=2)) if keys else []
    return [{"column": k, "direction": draw(st.sampled_from(["asc", "desc"]))} for k in chosen]


def plain(value: Any) -> Any:
    """A JSON answer's value, comparable across runs (exact decimals as text stay text)."""
    return str(value) if isinstance(value, Decimal) else value
