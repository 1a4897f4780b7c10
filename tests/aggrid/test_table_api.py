"""POST /api/datasets/{key}/table: AG Grid's Server-Side Row Model in table mode, through the
real app on the tiny warehouse; rows are checked against hand-written DuckDB SQL over the
same Parquet files. `sales` has 400 rows; region and customer have NULLs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.aggrid.helpers import col, grid, post, raw, raw_dicts, value
from tests.store.fixtures import Api

SALES_ROWS = 400


def test_flat_block_returns_rows_keyed_by_field_and_no_count_before_the_end(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    body = grid(
        startRow=20,
        endRow=30,
        columns=["order_id", "region", "amount"],
        sortModel=[{"colId": "order_id", "sort": "desc"}],
    )
    r = post(api_sqlite, "table", body)
    assert r.status_code == 200, r.text
    expected = raw_dicts(
        shared_warehouse,
        "SELECT order_id, region, amount FROM sales ORDER BY order_id DESC LIMIT 10 OFFSET 20",
        ["order_id", "region", "amount"],
    )
    assert r.json() == {"rowData": expected, "rowCount": -1}


@pytest.mark.parametrize(
    ("start", "end", "rows"),
    [(SALES_ROWS - 4, SALES_ROWS + 6, 4), (SALES_ROWS - 10, SALES_ROWS, 10), (SALES_ROWS, 500, 0)],
)
def test_last_block_sets_row_count(api_sqlite: Api, start: int, end: int, rows: int) -> None:
    body = grid(startRow=start, endRow=end, columns=["order_id"])
    got = post(api_sqlite, "table", body).json()
    assert len(got["rowData"]) == rows
    assert got["rowCount"] == SALES_ROWS


def test_flat_rows_default_to_every_visible_column(api_sqlite: Api) -> None:
    row = post(api_sqlite, "table", grid(endRow=1)).json()["rowData"][0]
    assert {"order_id", "region", "amount", "created_at", "load_type"} <= set(row)


GROUP_VALUES = [value("amount", "sum"), value("quantity", "avg"), value("order_id", "count")]
GROUP_SQL = "SUM(amount), AVG(quantity), COUNT(*)"


def test_first_level_groups_carry_aggregates_under_field_names(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    body = grid(rowGroupCols=[col("region"), col("customer")], valueCols=GROUP_VALUES)
    got = post(api_sqlite, "table", body).json()
    expected = raw_dicts(
        shared_warehouse,
        f"SELECT region, {GROUP_SQL} FROM sales GROUP BY region ORDER BY region NULLS LAST",
        ["region", "amount", "quantity", "order_id"],
    )
    assert got == {"rowData": expected, "rowCount": len(expected)}
    assert [r["region"] for r in expected][-1] is None  # the NULL group is there, last


@pytest.mark.parametrize(
    ("key", "where"), [("North", "region = 'North'"), (None, "region IS NULL")]
)
def test_group_keys_drill_into_the_next_level(
    api_sqlite: Api, shared_warehouse: Path, key: str | None, where: str
) -> None:
    body = grid(
        rowGroupCols=[col("region"), col("customer")], valueCols=GROUP_VALUES, groupKeys=[key]
    )
    got = post(api_sqlite, "table", body).json()
    expected = raw_dicts(
        shared_warehouse,
        f"SELECT customer, {GROUP_SQL} FROM sales WHERE {where} GROUP BY customer "
        "ORDER BY customer NULLS LAST",
        ["customer", "amount", "quantity", "order_id"],
    )
    assert got["rowData"] == expected and got["rowCount"] == len(expected)


def test_leaf_rows_under_a_group_path(api_sqlite: Api, shared_warehouse: Path) -> None:
    body = grid(
        rowGroupCols=[col("region"), col("load_type")],
        groupKeys=["East", "DAILY"],
        columns=["order_id", "amount"],
        sortModel=[{"colId": "amount", "sort": "desc"}, {"colId": "region", "sort": "asc"}],
    )
    got = post(api_sqlite, "table", body).json()
    expected = raw_dicts(
        shared_warehouse,
        "SELECT order_id, amount FROM sales WHERE region = 'East' AND load_type = 'DAILY' "
        "ORDER BY amount DESC NULLS FIRST, order_id",
        ["order_id", "amount"],
    )
    assert got["rowData"] == expected and got["rowCount"] == len(expected)


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ([{"colId": "amount", "sort": "desc"}], "SUM(amount) DESC NULLS FIRST, region"),
        ([{"colId": "ag-Grid-AutoColumn", "sort": "desc"}], "region DESC NULLS FIRST"),
        ([{"colId": "customer", "sort": "asc"}], "region NULLS LAST"),  # not on this level
    ],
)
def test_group_level_sorts_by_group_and_value_columns(
    api_sqlite: Api, shared_warehouse: Path, sort: list[dict[str, str]], order: str
) -> None:
    body = grid(rowGroupCols=[col("region")], valueCols=[value("amount", "sum")], sortModel=sort)
    got = [r["region"] for r in post(api_sqlite, "table", body).json()["rowData"]]
    sql = f"SELECT region FROM sales GROUP BY region ORDER BY {order}"
    assert got == [r[0] for r in raw(shared_warehouse, sql)]


def text(kind: str, filter_: Any = None) -> dict[str, Any]:
    return {"filterType": "text", "type": kind, "filter": filter_}


def number(kind: str, filter_: Any = None, to: Any = None) -> dict[str, Any]:
    return {"filterType": "number", "type": kind, "filter": filter_, "filterTo": to}


def date(kind: str, start: str | None = None, end: str | None = None) -> dict[str, Any]:
    return {"filterType": "date", "type": kind, "dateFrom": start, "dateTo": end}


FILTERS: list[tuple[dict[str, Any], str]] = [
    ({"customer": text("contains", "O'B")}, "contains(lower(customer), lower('O''B'))"),
    ({"customer": text("contains", "%")}, "contains(customer, '%')"),
    (
        {"customer": text("notContains", "a")},
        "NOT contains(lower(customer), 'a')",
    ),
    ({"customer": text("equals", "plain")}, "customer = 'plain'"),
    ({"customer": text("startsWith", "  pad")}, "starts_with(customer, '  pad')"),
    ({"customer": text("blank")}, "customer IS NULL OR customer = ''"),
    ({"region": text("notBlank")}, "region IS NOT NULL AND region <> ''"),
    ({"quantity": number("inRange", 2, 5)}, "quantity > 2 AND quantity < 5"),
    ({"amount": number("greaterThanOrEqual", "500.5")}, "amount >= 500.5"),
    ({"quantity": number("blank")}, "quantity IS NULL"),
    (
        {
            "quantity": {
                "filterType": "number",
                "operator": "OR",
                "conditions": [number("lessThan", 2), number("equals", 9)],
            }
        },
        "quantity < 2 OR quantity = 9",
    ),
    (
        {
            "customer": {
                "filterType": "text",
                "operator": "AND",
                "condition1": text("contains", "o"),
                "condition2": text("notEqual", "O'Brien"),
            }
        },
        "contains(lower(customer), 'o') AND customer <> 'O''Brien'",
    ),
    (
        {"order_date": date("equals", "2023-12-08 00:00:00")},
        "order_date = DATE '2023-12-08'",
    ),
    (
        {"order_date": date("inRange", "2023-12-05 00:00:00", "2023-12-20 00:00:00")},
        "order_date > DATE '2023-12-05' AND order_date < DATE '2023-12-20'",
    ),
    (
        {"created_at": date("equals", "2023-12-03 00:00:00")},
        "created_at >= TIMESTAMP '2023-12-03' AND created_at < TIMESTAMP '2023-12-04'",
    ),
    (
        {"created_at": date("greaterThan", "2024-01-10 00:00:00")},
        "created_at >= TIMESTAMP '2024-01-11'",
    ),
    (
        {"created_at": date("lessThan", "2023-12-10")},
        "created_at < TIMESTAMP '2023-12-10'",
    ),
    (
        {"region": {"filterType": "set", "values": ["North", None]}},
        "region = 'North' OR region IS NULL",
    ),
    ({"region": {"filterType": "set", "values": []}}, "FALSE"),
    (
        {
            "region": {
                "filterType": "multi",
                "filterModels": [
                    text("startsWith", "n"),
                    {"filterType": "set", "values": ["North", "South"]},
                ],
            }
        },
        "region = 'North'",
    ),
    (
        {"region": {"filterType": "set", "values": ["East"]}, "quantity": number("equals", 3)},
        "region = 'East' AND quantity = 3",
    ),
    (
        {
            "filterType": "join",
            "type": "OR",
            "conditions": [
                {"filterType": "text", "colId": "region", "type": "equals", "filter": "West"},
                {"filterType": "number", "colId": "quantity", "type": "greaterThan", "filter": 8},
            ],
        },
        "region = 'West' OR quantity > 8",
    ),
]


@pytest.mark.parametrize(("model", "where"), FILTERS)
def test_filter_model_keeps_the_rows_sql_keeps(
    api_sqlite: Api, shared_warehouse: Path, model: dict[str, Any], where: str
) -> None:
    body = grid(
        endRow=1000,
        filterModel=model,
        columns=["order_id"],
        sortModel=[{"colId": "order_id", "sort": "asc"}],
    )
    r = post(api_sqlite, "table", body)
    assert r.status_code == 200, r.text
    got = [row["order_id"] for row in r.json()["rowData"]]
    expected = raw(shared_warehouse, f"SELECT order_id FROM sales WHERE {where} ORDER BY 1")
    assert got == [row[0] for row in expected]


def test_filters_apply_to_group_levels_too(api_sqlite: Api, shared_warehouse: Path) -> None:
    body = grid(
        rowGroupCols=[col("region")],
        valueCols=[value("amount", "max")],
        filterModel={"quantity": number("greaterThan", 4)},
    )
    got = post(api_sqlite, "table", body).json()["rowData"]
    sql = "SELECT region, MAX(amount) FROM sales WHERE quantity > 4 GROUP BY 1 ORDER BY 1"
    assert got == raw_dicts(shared_warehouse, sql, ["region", "amount"])


def test_grand_total_comes_with_the_first_top_level_block(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    body = grid(rowGroupCols=[col("region")], valueCols=GROUP_VALUES, needsGrandTotal=True)
    got = post(api_sqlite, "table", body).json()
    [total] = raw_dicts(
        shared_warehouse, f"SELECT {GROUP_SQL} FROM sales", ["amount", "quantity", "order_id"]
    )
    assert got["grandTotalData"] == {"region": None, **total}
    plain = post(api_sqlite, "table", {**body, "needsGrandTotal": False}).json()
    assert got["rowData"] == plain["rowData"] and got["rowCount"] == plain["rowCount"]
    assert "grandTotalData" not in plain
    assert got["grandTotalData"]["order_id"] == sum(r["order_id"] for r in got["rowData"])


def test_grand_total_of_ungrouped_rows(api_sqlite: Api, shared_warehouse: Path) -> None:
    body = grid(endRow=5, valueCols=[value("amount", "sum")], needsGrandTotal=True)
    got = post(api_sqlite, "table", body).json()
    assert got["grandTotalData"] == {
        "amount": raw(shared_warehouse, "SELECT SUM(amount) FROM sales")[0][0]
    }


def test_vintage_extension_restricts_to_one_load(api_sqlite: Api) -> None:
    body = grid(
        rowGroupCols=[col("load_id")],
        valueCols=[value("order_id", "count")],
        vintage={"load_type": "DAILY", "load_id": 20240102},
    )
    assert post(api_sqlite, "table", body).json()["rowData"] == [
        {"load_id": 20240102, "order_id": 80}
    ]


def test_row_level_security_applies_to_every_level_pivot_and_drilldown(api_sqlite: Api) -> None:
    rls = {"rls": [{"column": "region", "attribute": "region"}]}
    r = api_sqlite.client.patch("/api/admin/datasets/sales", json=rls, headers=api_sqlite.headers())
    assert r.status_code == 200, r.text
    ann = api_sqlite.new_user("ann", attributes={"region": ["North"]})
    body = grid(rowGroupCols=[col("region")], valueCols=[value("order_id", "count")])
    groups = post(api_sqlite, "table", body, headers=ann).json()["rowData"]
    assert [g["region"] for g in groups] == ["North"]
    leaves = post(api_sqlite, "table", grid(endRow=1000, columns=["region"]), headers=ann).json()
    assert {r["region"] for r in leaves["rowData"]} == {"North"}
    assert leaves["rowCount"] == groups[0]["order_id"]
    pivot = grid(
        pivotMode=True,
        pivotCols=[col("region")],
        valueCols=[value("order_id", "count")],
        needsGrandTotal=True,
        rowGroupCols=[col("load_type")],
    )
    crossed = post(api_sqlite, "pivot", pivot, headers=ann).json()
    assert crossed["pivotResultFields"] == ["North_order_id"]
    assert crossed["grandTotalData"]["North_order_id"] == leaves["rowCount"]
    drill = {**pivot, "pivotKeys": ["South"], "columns": ["region"]}
    assert post(api_sqlite, "drilldown", drill, headers=ann).json()["rowData"] == []


def test_no_credentials_is_401(api_sqlite: Api) -> None:
    r = api_sqlite.client.post("/api/datasets/sales/table", json=grid())
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_unknown_dataset_is_404(api_sqlite: Api) -> None:
    r = post(api_sqlite, "table", grid(), dataset="nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "status", "path"),
    [
        (grid(filterModel={"nope": text("equals", "x")}), 422, "filterModel.nope"),
        (
            grid(filterModel={"region": {"filterType": "fancy"}}),
            422,
            "filterModel.region.filterType",
        ),
        (grid(filterModel={"quantity": number("between", 1)}), 422, "filterModel.quantity.type"),
        (
            grid(filterModel={"order_date": date("equals", "soon")}),
            422,
            "filterModel.order_date.dateFrom",
        ),
        (grid(filterModel={"quantity": number("equals", "many")}), 422, None),
        (
            grid(rowGroupCols=[col("region")], valueCols=[value("amount", "first")]),
            422,
            "valueCols[0].aggFunc",
        ),
        (grid(rowGroupCols=[col("nope")]), 422, "rowGroupCols[0]"),
        (grid(groupKeys=["North"]), 422, "groupKeys"),
        (grid(startRow=0, endRow=5000), 422, "endRow"),
        (grid(pivotMode=True, pivotCols=[col("region")]), 400, None),
        ({"startRow": "x"}, 422, None),
    ],
)
def test_bad_requests_get_clear_errors(
    api_sqlite: Api, body: dict[str, Any], status: int, path: str | None
) -> None:
    r = post(api_sqlite, "table", body)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["message"]
    if path is not None:
        assert [d["path"] for d in error["details"]] == [path]
    if status == 400:
        assert "/pivot" in error["message"]


def test_ag_grid_fields_beyond_the_contract_are_ignored(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    plain = grid(
        endRow=3,
        rowGroupCols=[col("region")],
        groupKeys=["North"],
        columns=["order_id"],
        filterModel={"quantity": number("greaterThan", 1)},
        sortModel=[{"colId": "order_id", "sort": "desc"}],
    )
    extended = {
        **plain,
        "rowGroupCols": [{**col("region"), "aggFunc": None, "somethingNew": 1}],
        "filterModel": {"quantity": {**number("greaterThan", 1), "colId": "quantity"}},
        "futureOption": {"x": 1},
    }
    got = post(api_sqlite, "table", extended)
    assert got.status_code == 200, got.text
    sql = (
        "SELECT order_id FROM sales WHERE region = 'North' AND quantity > 1 "
        "ORDER BY order_id DESC LIMIT 3"
    )
    expected = [row["order_id"] for row in raw_dicts(shared_warehouse, sql, ["order_id"])]
    assert [row["order_id"] for row in got.json()["rowData"]] == expected
    assert got.json() == post(api_sqlite, "table", plain).json()


def test_every_block_leaves_one_audit_row(api_sqlite: Api) -> None:
    post(api_sqlite, "table", grid(endRow=2, columns=["order_id"]))
    post(api_sqlite, "table", grid(filterModel={"nope": text("equals", "x")}))
    rows = api_sqlite.audit_rows(action="aggrid.table")
    assert sorted(r["detail"]["status"] for r in rows) == ["invalid_query", "ok"]
