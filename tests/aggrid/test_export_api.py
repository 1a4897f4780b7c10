"""POST /api/datasets/{key}/export: what the grid shows, whole, through the export pipeline
(in-process runner, no Redis): detail rows, the group level, the pivot cross-tab."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest

from backend.store.engine import Store
from tests.aggrid.helpers import col, grid, post, raw, value
from tests.jobs.api_fixtures import finished, poll, running_api
from tests.store.fixtures import Api


@pytest.fixture
def export_api(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    yield from running_api(sqlite_store, tmp_path, shared_warehouse)


def exported(api: Api, body: dict[str, Any], fmt: str = "csv") -> bytes:
    r = post(api, "export", {**body, "format": fmt, "filename": "grid"})
    assert r.status_code == 202, r.text
    job = poll(api, r.json()["id"], api.headers(), finished)
    assert job["status"] == "done", job
    download = api.client.get(job["download_url"], headers=api.headers())
    assert download.status_code == 200
    return download.content


def test_flat_export_has_every_filtered_row_in_grid_order(
    export_api: Api, shared_warehouse: Path
) -> None:
    body = grid(
        startRow=100,
        endRow=200,
        columns=["order_id", "region"],
        filterModel={"region": {"filterType": "set", "values": ["North"]}},
        sortModel=[{"colId": "order_id", "sort": "desc"}],
    )
    frame = pl.read_csv(io.BytesIO(exported(export_api, body)))
    expected = raw(
        shared_warehouse, "SELECT order_id FROM sales WHERE region = 'North' ORDER BY 1 DESC"
    )
    assert frame.to_series(0).to_list() == [r[0] for r in expected]


def test_grouped_export_is_the_level_the_grid_shows(
    export_api: Api, shared_warehouse: Path
) -> None:
    body = grid(
        rowGroupCols=[col("region"), col("customer")],
        valueCols=[value("quantity", "sum")],
        groupKeys=["East"],
    )
    frame = pl.read_csv(io.BytesIO(exported(export_api, body)))
    sql = "SELECT customer, SUM(quantity) FROM sales WHERE region = 'East' GROUP BY 1 ORDER BY 1"
    assert [list(r) for r in frame.rows()] == raw(shared_warehouse, sql)


def test_pivot_export_is_the_cross_tab(export_api: Api, shared_warehouse: Path) -> None:
    body = grid(
        pivotMode=True,
        rowGroupCols=[col("region")],
        pivotCols=[col("load_type")],
        valueCols=[value("order_id", "count")],
    )
    book = openpyxl.load_workbook(io.BytesIO(exported(export_api, body, "xlsx")), read_only=True)
    rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    assert len(rows[0]) == 3  # region, DAILY, MONTH_END
    sql = (
        "SELECT region, COUNT(*) FILTER (WHERE load_type = 'DAILY'), "
        "COUNT(*) FILTER (WHERE load_type = 'MONTH_END') FROM sales GROUP BY 1 "
        "ORDER BY 1 NULLS LAST"
    )
    assert rows[1:] == raw(shared_warehouse, sql)


def test_export_of_an_unknown_dataset_is_404(export_api: Api) -> None:
    r = post(export_api, "export", grid(), dataset="nope")
    assert r.status_code == 404


def test_subtotals_export_is_the_hierarchy_with_rollup_totals(
    export_api: Api, shared_warehouse: Path
) -> None:
    body = grid(
        rowGroupCols=[col("load_type"), col("region")],
        valueCols=[value("amount", "sum")],
        subtotals=True,
    )
    frame = pl.read_csv(io.BytesIO(exported(export_api, body)))
    got = [list(row) for row in frame.rows()]
    sql = (
        "SELECT load_type, region, SUM(amount), GROUPING(load_type) + GROUPING(region) AS l "
        "FROM sales GROUP BY ROLLUP (load_type, region) "
        "ORDER BY GROUPING(load_type) DESC, load_type, GROUPING(region) DESC, region NULLS LAST"
    )
    assert got == raw(shared_warehouse, sql)
    assert got[0][3] == 2 and got[1][3] == 1  # the grand total, then DAILY's subtotal


def test_pivot_subtotals_export_totals_every_pivot_column(
    export_api: Api, shared_warehouse: Path
) -> None:
    body = grid(
        pivotMode=True,
        rowGroupCols=[col("load_type"), col("region")],
        pivotCols=[col("is_return")],
        valueCols=[value("order_id", "count")],
        subtotals=True,
    )
    frame = pl.read_csv(io.BytesIO(exported(export_api, body)))
    assert frame.columns == [
        "Load type",
        "Region",
        "false_order_id",  # a pivot column is headed by its AG Grid field
        "true_order_id",
        "(Blanks)_order_id",
        "Total level",
    ]
    sql = (
        "SELECT load_type, region, COUNT(order_id) FILTER (WHERE NOT is_return), "
        "COUNT(order_id) FILTER (WHERE is_return), "
        "COUNT(order_id) FILTER (WHERE is_return IS NULL), "
        "GROUPING(load_type) + GROUPING(region) FROM sales GROUP BY ROLLUP (load_type, region) "
        "ORDER BY GROUPING(load_type) DESC, load_type, GROUPING(region) DESC, region NULLS LAST"
    )
    assert [list(row) for row in frame.rows()] == raw(shared_warehouse, sql)
