"""POST /api/datasets/{key}/pivot and /drilldown: the cross-tab equals hand-written
conditional-aggregation SQL over the same Parquet files, totals equal the sum of their
parts, and a pivot cell's detail rows are the rows behind it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.aggrid.helpers import col, grid, post, raw, raw_dicts, value
from tests.store.fixtures import Api

BY_REGION = {
    "pivotMode": True,
    "rowGroupCols": [col("region"), col("customer")],
    "pivotCols": [col("is_return")],
    "valueCols": [value("amount", "sum"), value("quantity", "count")],
}
FIELDS = [
    "false_amount",
    "false_quantity",
    "true_amount",
    "true_quantity",
    "(Blanks)_amount",
    "(Blanks)_quantity",
]
CROSS_TAB = """
SELECT region,
  SUM(amount) FILTER (WHERE is_return = false), COUNT(*) FILTER (WHERE is_return = false),
  SUM(amount) FILTER (WHERE is_return = true), COUNT(*) FILTER (WHERE is_return = true),
  SUM(amount) FILTER (WHERE is_return IS NULL), COUNT(*) FILTER (WHERE is_return IS NULL)
FROM sales {where} GROUP BY region ORDER BY region NULLS LAST"""


def pivot(api: Api, **fields: Any) -> Any:
    r = post(api, "pivot", grid(**{**BY_REGION, **fields}))
    assert r.status_code == 200, r.text
    return r.json()


@pytest.mark.parametrize(
    "body",
    [
        grid(pivotMode=False, pivotCols=[col("region")], valueCols=[value("amount", "sum")]),
        grid(pivotMode=True, pivotCols=[], valueCols=[value("amount", "sum")]),
    ],
)
def test_pivot_needs_pivot_mode_and_pivot_columns(api_sqlite: Api, body: dict[str, Any]) -> None:
    r = post(api_sqlite, "pivot", body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "bad_request" and "/table" in error["message"]


def test_pivot_rows_equal_hand_written_conditional_aggregation(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    got = pivot(api_sqlite)
    assert got["pivotResultFields"] == FIELDS
    expected = raw_dicts(shared_warehouse, CROSS_TAB.format(where=""), ["region", *FIELDS])
    assert got["rowData"] == expected and got["rowCount"] == len(expected)


def test_pivot_drills_by_group_keys_and_keeps_its_columns(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    got = pivot(api_sqlite, groupKeys=["South"])
    assert got["pivotResultFields"] == FIELDS  # the same columns on every level
    sql = CROSS_TAB.replace("region", "customer").format(where="WHERE region = 'South'")
    assert got["rowData"] == raw_dicts(shared_warehouse, sql, ["customer", *FIELDS])


def test_totals_equal_the_sum_of_their_parts(api_sqlite: Api) -> None:
    top = pivot(api_sqlite, needsGrandTotal=True)
    total = top["grandTotalData"]
    for field in FIELDS:
        parts = [row[field] for row in top["rowData"] if row[field] is not None]
        assert total[field] == pytest.approx(sum(parts)), field
    for group in top["rowData"]:
        children = pivot(api_sqlite, groupKeys=[group["region"]])["rowData"]
        for field in FIELDS:
            parts = [row[field] for row in children if row[field] is not None]
            assert group[field] == (pytest.approx(sum(parts)) if parts else None), field
    assert sum(total[f] for f in FIELDS if f.endswith("_quantity")) == 400


def test_grand_total_needs_a_first_top_level_block(api_sqlite: Api) -> None:
    assert "grandTotalData" not in pivot(api_sqlite, needsGrandTotal=True, groupKeys=["North"])
    assert "grandTotalData" not in pivot(api_sqlite, needsGrandTotal=True, startRow=2)


def test_pivot_without_row_groups_is_one_row_of_totals(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    got = pivot(api_sqlite, rowGroupCols=[], pivotCols=[col("load_type")])
    sql = (
        "SELECT SUM(amount) FILTER (WHERE load_type = 'DAILY'), "
        "COUNT(*) FILTER (WHERE load_type = 'DAILY'), "
        "SUM(amount) FILTER (WHERE load_type = 'MONTH_END'), "
        "COUNT(*) FILTER (WHERE load_type = 'MONTH_END') FROM sales"
    )
    fields = ["DAILY_amount", "DAILY_quantity", "MONTH_END_amount", "MONTH_END_quantity"]
    assert got == {
        "rowData": raw_dicts(shared_warehouse, sql, fields),
        "rowCount": 1,
        "pivotResultFields": fields,
    }


def test_two_pivot_columns_join_their_keys(api_sqlite: Api, shared_warehouse: Path) -> None:
    got = pivot(
        api_sqlite,
        pivotCols=[col("load_type"), col("is_return")],
        valueCols=[value("amount", "max")],
        pivotResultFieldSeparator="|",
        filterModel={"is_return": {"filterType": "set", "values": ["true", "false"]}},
    )
    assert got["pivotResultFields"] == [
        "DAILY|false|amount",
        "DAILY|true|amount",
        "MONTH_END|false|amount",
        "MONTH_END|true|amount",
    ]
    sql = (
        "SELECT region, MAX(amount) FILTER (WHERE load_type = 'MONTH_END' AND is_return) "
        "FROM sales GROUP BY region ORDER BY region NULLS LAST"
    )
    expected = [r[1] for r in raw(shared_warehouse, sql)]
    assert [row["MONTH_END|true|amount"] for row in got["rowData"]] == expected


def test_filters_decide_the_pivot_columns(api_sqlite: Api) -> None:
    only_daily = {"load_type": {"filterType": "set", "values": ["DAILY"]}}
    got = pivot(api_sqlite, pivotCols=[col("load_type")], filterModel=only_daily)
    assert got["pivotResultFields"] == ["DAILY_amount", "DAILY_quantity"]


def test_rows_sort_by_a_pivot_result_field(api_sqlite: Api, shared_warehouse: Path) -> None:
    got = pivot(api_sqlite, sortModel=[{"colId": "true_amount", "sort": "asc"}])
    sql = (
        "SELECT region FROM sales GROUP BY region "
        "ORDER BY SUM(amount) FILTER (WHERE is_return) NULLS LAST, region NULLS LAST"
    )
    assert [r["region"] for r in got["rowData"]] == [r[0] for r in raw(shared_warehouse, sql)]


def test_more_pivot_values_than_allowed_is_a_clear_422(api_sqlite: Api) -> None:
    r = post(api_sqlite, "pivot", grid(**{**BY_REGION, "pivotCols": [col("order_id")]}))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert "PIVOT_MAX_COLUMNS" in error["message"] and error["details"][0]["path"] == "pivotCols"


@pytest.mark.parametrize(
    ("region", "is_return", "where"),
    [
        ("North", "true", "region = 'North' AND is_return"),
        ("East", "(Blanks)", "region = 'East' AND is_return IS NULL"),
        (None, "false", "region IS NULL AND NOT is_return"),
    ],
)
def test_drilldown_returns_the_rows_behind_a_pivot_cell(
    api_sqlite: Api, shared_warehouse: Path, region: str | None, is_return: str, where: str
) -> None:
    top = pivot(api_sqlite)["rowData"]
    cell = next(r for r in top if r["region"] == region)[f"{is_return}_quantity"]
    columns = ["order_id", "region", "is_return", "amount"]
    body = grid(
        **BY_REGION,
        groupKeys=[region],
        pivotKeys=[is_return],
        endRow=3,
        columns=columns,
        sortModel=[{"colId": "order_id", "sort": "desc"}],
    )
    first = post(api_sqlite, "drilldown", body).json()
    assert len(first["rowData"]) == 3 and first["rowCount"] == -1
    rest = post(api_sqlite, "drilldown", {**body, "startRow": 3, "endRow": 1000}).json()
    rows = first["rowData"] + rest["rowData"]
    assert rest["rowCount"] == len(rows) == cell
    sql = f"SELECT {', '.join(columns)} FROM sales WHERE {where} ORDER BY order_id DESC"
    assert rows == raw_dicts(shared_warehouse, sql, columns)


def test_drilldown_from_a_group_row_without_pivot_keys(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    columns = ["order_id", "region", "customer", "amount"]
    body = grid(
        rowGroupCols=[col("region")],
        groupKeys=["West"],
        endRow=1000,
        columns=columns,
        sortModel=[{"colId": "order_id", "sort": "asc"}],
    )
    got = post(api_sqlite, "drilldown", body).json()
    sql = f"SELECT {', '.join(columns)} FROM sales WHERE region = 'West' ORDER BY order_id"
    expected = raw_dicts(shared_warehouse, sql, columns)
    assert got == {"rowData": expected, "rowCount": len(expected)}


def test_drilldown_needs_one_key_per_pivot_column(api_sqlite: Api) -> None:
    body = grid(**BY_REGION, pivotKeys=["true", "x"])
    r = post(api_sqlite, "drilldown", body)
    assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == "pivotKeys"
