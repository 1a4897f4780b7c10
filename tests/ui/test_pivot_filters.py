"""The pivot's filters are the explorer's filter tree sent as AG Grid's Advanced Filter
model: each tree here must keep exactly the rows `/api/query` keeps for the same tree
(differential, on the tiny warehouse's `sales`, whose text columns hold NULLs). The value
summed is a column no filter names: the AG Grid endpoints read a filter on a value column's
name as a filter on its aggregate."""

from __future__ import annotations

from typing import Any

import pytest

from aurora import pivot as pv
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api

KINDS = {
    "region": "text",
    "customer": "text",
    "quantity": "integer",
    "amount": "decimal",
    "discount": "float",
    "order_date": "date",
    "created_at": "timestamp",
    "is_return": "boolean",
}


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    out: dict[str, Any] = {"column": column, "operator": operator}
    return out if value is None else {**out, "value": value}


def group(op: str, *conditions: dict[str, Any], negate: bool = False) -> dict[str, Any]:
    return {"op": op, "negate": negate, "conditions": list(conditions)}


NORTH = cond("region", "=", "North")
TREES: list[dict[str, Any]] = [
    group("and", NORTH),
    group("and", cond("region", "!=", "North")),
    group("and", NORTH, negate=True),
    group("and", cond("region", "in", ["North", "South"])),
    group("and", cond("region", "in", "North, South")),
    group("and", cond("region", "not_in", ["North", "East"])),
    group("and", cond("region", "not_in", ["North"]), negate=True),
    group("and", cond("quantity", "between", [2, 5])),
    group("or", cond("quantity", "between", [2, 5]), negate=True),
    group("and", cond("region", "is_null")),
    group("and", cond("region", "is_not_null")),
    group("and", cond("customer", "is_null"), negate=True),
    group("and", cond("customer", "is_not_null"), negate=True),
    group("and", cond("customer", "contains", "o")),
    group("and", cond("customer", "contains", "O"), negate=True),
    group("and", cond("customer", "starts_with", "pl"), cond("customer", "ends_with", "n")),
    group("or", cond("region", "=", "East"), cond("quantity", ">", 3)),
    group("and", cond("region", "=", "East"), cond("quantity", ">", 3), negate=True),
    group(
        "and",
        group("or", NORTH, cond("amount", ">=", 50)),
        group("or", cond("discount", "<", 0.1), cond("quantity", "<=", 2), negate=True),
    ),
    group("and", cond("order_date", ">=", "2023-12-15"), cond("order_date", "<", "2024-01-10")),
    group("and", cond("created_at", ">", "2023-12-02 12:30:00")),
    group("and", cond("is_return", "=", True)),
    group("and", cond("customer", "=", "")),
]


@pytest.fixture(autouse=True)
def _warehouse(tiny_warehouse: TinyWarehouse) -> TinyWarehouse:
    return tiny_warehouse


def _pivot_totals(api: Api, tree: dict[str, Any]) -> list[Any]:
    layout = pv.Layout(
        dataset="sales",
        rows=["load_type"],
        columns=[],
        values=[pv.value_cfg("order_id", "sum", "Order id"), pv.value_cfg("", "count", "")],
        filter_model=pv.filter_model(tree, KINDS),
    )
    answer = api.client.post(
        "/api/datasets/sales/table", json=pv.request(layout, []), headers=api.headers()
    )
    assert answer.status_code == 200, answer.text
    if answer.json()["rowCount"] == 0:
        return [None, 0]  # no group, no grand total row
    total = answer.json()["grandTotalData"]
    return [total["order_id"], total[pv.COUNT_FIELD]]


def _query_totals(api: Api, tree: dict[str, Any]) -> list[Any]:
    spec = {
        "dataset": "sales",
        "filters": tree,
        "measures": [
            {"column": "order_id", "agg": "sum", "alias": "checksum"},
            {"agg": "count", "alias": "n"},
        ],
    }
    answer = api.client.post("/api/query", json=spec, headers=api.headers())
    assert answer.status_code == 200, answer.text
    return list(answer.json()["rows"][0])


def test_pivot_filters_keep_exactly_the_rows_the_explorer_keeps(api: Api) -> None:
    for tree in TREES:
        want = _query_totals(api, tree)
        assert want[1] > 0 or tree["conditions"][0].get("value") == "", tree
        assert _pivot_totals(api, tree) == want, tree


def test_a_negated_starts_with_is_refused_in_words() -> None:
    tree = group("and", cond("customer", "starts_with", "pl"), negate=True)
    with pytest.raises(pv.FilterNotPivotable, match="cannot negate 'starts with'"):
        pv.filter_model(tree, KINDS)


def test_pruning_keeps_only_whole_conditions_of_the_top_and() -> None:
    known = {"region", "quantity"}
    measure = cond("total", ">", 5)
    kept, dropped = pv.prune(group("and", NORTH, measure, group("or", measure, NORTH)), known)
    assert (kept, dropped) == (group("and", NORTH), True)
    assert pv.prune(group("or", NORTH, measure), known) == (None, True)
    assert pv.prune(group("and", NORTH, negate=True), known) == (
        group("and", NORTH, negate=True),
        False,
    )
