"""A filter on a column that is also a value column filters the rows, before they are grouped
and aggregated (AG Grid's semantics: filterModel is the WHERE, never a filter on the
aggregate). Every answer is compared with hand-written DuckDB over the same Parquet files.
`quantity` holds 1..9 and NULLs; AG Grid's inRange excludes both ends."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.aggrid.helpers import col, grid, post, raw, raw_dicts, value
from tests.store.fixtures import Api

IN_RANGE = {"quantity": {"filterType": "number", "type": "inRange", "filter": 2, "filterTo": 5}}
ABOVE = {"quantity": {"filterType": "number", "type": "greaterThan", "filter": 6}}
ADVANCED = {  # the Advanced Filter model names columns by colId
    "filterType": "join",
    "type": "AND",
    "conditions": [
        {"filterType": "number", "colId": "quantity", "type": "greaterThan", "filter": 2},
        {"filterType": "number", "colId": "quantity", "type": "lessThan", "filter": 5},
    ],
}
ROWS_IN_RANGE = "quantity > 2 AND quantity < 5"

# (filterModel, the same rows as SQL) for every grid request below.
FILTERS = [
    pytest.param(IN_RANGE, ROWS_IN_RANGE, id="number-inRange"),
    pytest.param(ABOVE, "quantity > 6", id="number-greaterThan"),
    pytest.param(ADVANCED, ROWS_IN_RANGE, id="advanced-filter"),
]
VALUES = [value("quantity", "sum"), value("amount", "max"), value("order_id", "count")]
VALUES_SQL = "SUM(quantity), MAX(amount), COUNT(*)"
VALUE_FIELDS = ["quantity", "amount", "order_id"]


def _ok(api: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    r = post(api, path, body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


@pytest.mark.parametrize(("model", "where"), FILTERS)
def test_group_rows_aggregate_only_the_filtered_rows(
    api_sqlite: Api, shared_warehouse: Path, model: dict[str, Any], where: str
) -> None:
    body = grid(rowGroupCols=[col("region")], valueCols=VALUES, filterModel=model)
    got = _ok(api_sqlite, "table", body)
    expected = raw_dicts(
        shared_warehouse,
        f"SELECT region, {VALUES_SQL} FROM sales WHERE {where} GROUP BY region "
        "ORDER BY region NULLS LAST",
        ["region", *VALUE_FIELDS],
    )
    assert len(expected) > 1
    assert got == {"rowData": expected, "rowCount": len(expected)}


@pytest.mark.parametrize(("model", "where"), FILTERS)
def test_an_expanded_group_aggregates_only_the_filtered_rows(
    api_sqlite: Api, shared_warehouse: Path, model: dict[str, Any], where: str
) -> None:
    body = grid(
        rowGroupCols=[col("region"), col("customer")],
        valueCols=VALUES,
        groupKeys=["North"],
        filterModel=model,
    )
    got = _ok(api_sqlite, "table", body)
    expected = raw_dicts(
        shared_warehouse,
        f"SELECT customer, {VALUES_SQL} FROM sales WHERE region = 'North' AND {where} "
        "GROUP BY customer ORDER BY customer NULLS LAST",
        ["customer", *VALUE_FIELDS],
    )
    assert expected and got["rowData"] == expected


@pytest.mark.parametrize("groups", [[col("region")], []], ids=["grouped", "flat"])
@pytest.mark.parametrize(("model", "where"), FILTERS)
def test_the_grand_total_is_over_the_filtered_rows(
    api_sqlite: Api, shared_warehouse: Path, model: dict[str, Any], where: str, groups: list[Any]
) -> None:
    body = grid(
        rowGroupCols=groups, valueCols=VALUES, filterModel=model, needsGrandTotal=True, endRow=5
    )
    total = _ok(api_sqlite, "table", body)["grandTotalData"]
    [expected] = raw(shared_warehouse, f"SELECT {VALUES_SQL} FROM sales WHERE {where}")
    assert {k: total[k] for k in VALUE_FIELDS} == dict(zip(VALUE_FIELDS, expected, strict=True))


@pytest.mark.parametrize(("model", "where"), FILTERS)
def test_pivot_cells_aggregate_only_the_filtered_rows(
    api_sqlite: Api, shared_warehouse: Path, model: dict[str, Any], where: str
) -> None:
    body = grid(
        pivotMode=True,
        rowGroupCols=[col("region")],
        pivotCols=[col("load_type")],
        valueCols=[value("quantity", "sum"), value("amount", "min")],
        filterModel=model,
        needsGrandTotal=True,
    )
    got = _ok(api_sqlite, "pivot", body)
    kinds = [r[0] for r in raw(shared_warehouse, "SELECT DISTINCT load_type FROM sales ORDER BY 1")]
    fields = [f"{k}_{v}" for k in kinds for v in ("quantity", "amount")]
    assert got["pivotResultFields"] == fields
    cells = ", ".join(
        f"{agg}({c}) FILTER (WHERE load_type = '{k}')"
        for k in kinds
        for agg, c in (("SUM", "quantity"), ("MIN", "amount"))
    )
    expected = raw_dicts(
        shared_warehouse,
        f"SELECT region, {cells} FROM sales WHERE {where} GROUP BY region "
        "ORDER BY region NULLS LAST",
        ["region", *fields],
    )
    assert got["rowData"] == expected
    [total] = raw(shared_warehouse, f"SELECT {cells} FROM sales WHERE {where}")
    assert got["grandTotalData"] == {"region": None, **dict(zip(fields, total, strict=True))}


def test_a_pivot_column_that_is_also_the_value_column_pivots_the_filtered_rows(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    body = grid(
        pivotMode=True,
        rowGroupCols=[col("region")],
        pivotCols=[col("quantity")],
        valueCols=[value("quantity", "count")],
        filterModel=IN_RANGE,
    )
    got = _ok(api_sqlite, "pivot", body)
    assert got["pivotResultFields"] == ["3_quantity", "4_quantity"]
    expected = raw_dicts(
        shared_warehouse,
        "SELECT region, COUNT(*) FILTER (WHERE quantity = 3), COUNT(*) FILTER (WHERE quantity = 4) "
        f"FROM sales WHERE {ROWS_IN_RANGE} GROUP BY region ORDER BY region NULLS LAST",
        ["region", "3_quantity", "4_quantity"],
    )
    assert got["rowData"] == expected
