"""A top N (`limit` in the spec) through the real app: every page, the count, the totals row,
the SQL shown and the export are the same N rows, against hand-written DuckDB SQL."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from backend.store.engine import Store
from tests.api.test_query_api import raw
from tests.store.fixtures import Api

ONE_LOAD = {"load_type": "DAILY", "load_id": 20240102}
TOP_CUSTOMERS = {
    "dataset": "sales",
    "vintage": ONE_LOAD,
    "group_by": ["customer"],
    "measures": [{"agg": "sum", "column": "amount", "alias": "total"}],
    "sort": [{"column": "total", "direction": "desc"}],
    "limit": 5,
}
EXPECTED = (
    "SELECT customer, sum(amount) FROM sales WHERE load_type = 'DAILY' AND load_id = 20240102 "
    "GROUP BY customer ORDER BY 2 DESC NULLS FIRST, customer LIMIT 5"
)


def _post(api: Api, path: str, body: dict[str, Any]) -> Any:
    r = api.client.post(path, json=body, headers=api.headers())
    assert r.status_code == 200, r.text
    return r.json()


def _number(value: Any) -> float:
    return round(float(Decimal(str(value))), 6)


def _rows(rows: list[list[Any]]) -> list[tuple[Any, float]]:
    return [(r[0], _number(r[1])) for r in rows]


@pytest.mark.parametrize("page_size", [2, 5, 50])
def test_every_page_and_the_count_of_a_top_n_are_its_n_rows(
    api_sqlite: Api, shared_warehouse: Path, page_size: int
) -> None:
    expected = _rows(raw(shared_warehouse, EXPECTED))
    assert len(expected) == 5 and len(raw(shared_warehouse, EXPECTED.replace("LIMIT 5", ""))) > 5
    shown: list[tuple[Any, float]] = []
    for page in range(1, 5 // page_size + 3):  # one page past the end, which is empty
        body = _post(
            api_sqlite, "/api/query", {**TOP_CUSTOMERS, "page": page, "page_size": page_size}
        )
        shown += _rows(body["rows"])
        assert body["total_rows"] in (5, None)
    assert shown == expected
    assert _post(api_sqlite, "/api/count", TOP_CUSTOMERS) == {"total_rows": 5}


def test_the_totals_row_of_a_top_n_adds_up_its_n_groups(
    api_sqlite: Api, shared_warehouse: Path
) -> None:
    body = _post(api_sqlite, "/api/totals", TOP_CUSTOMERS)
    expected = sum(total for _, total in _rows(raw(shared_warehouse, EXPECTED)))
    assert body["row"][0] is None and _number(body["row"][1]) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("dialect", "limit"),
    [("duckdb", "LIMIT 5"), ("postgres", "LIMIT 5"), ("oracle", "FETCH FIRST 5 ROWS ONLY")],
)
def test_the_sql_of_a_top_n_limits_in_the_database(
    api_sqlite: Api, dialect: str, limit: str
) -> None:
    body = _post(api_sqlite, f"/api/sql?dialect={dialect}", TOP_CUSTOMERS)
    assert limit in body["sql"]


@pytest.fixture
def export_api(sqlite_store: Store, tmp_path: Path, shared_warehouse: Path) -> Iterator[Api]:
    """The app with its lifespan entered, no Redis: exports run in-process."""
    from tests.jobs.api_fixtures import running_api

    yield from running_api(sqlite_store, tmp_path, shared_warehouse)


def test_an_export_of_a_top_n_writes_its_n_rows_in_order(
    export_api: Api, shared_warehouse: Path
) -> None:
    from tests.jobs.api_fixtures import finished, poll

    headers = export_api.headers()
    r = export_api.client.post(
        "/api/exports", json={"query": TOP_CUSTOMERS, "format": "csv"}, headers=headers
    )
    assert r.status_code == 202, r.text
    done = poll(export_api, str(r.json()["id"]), headers, finished)
    assert done["status"] == "done" and done["rows_written"] == 5, done
    got = export_api.client.get(done["download_url"], headers=headers)
    frame = pl.read_csv(io.BytesIO(got.content))
    written = [(row[0], _number(row[1])) for row in frame.iter_rows()]
    assert written == _rows(raw(shared_warehouse, EXPECTED))


def test_a_top_n_of_bare_rows_counts_n_not_the_rows_its_files_hold(api_sqlite: Api) -> None:
    # A bare read of one load is counted from its Parquet footers (80 rows here); a top N
    # of it is not a bare read.
    spec = {"dataset": "sales", "vintage": ONE_LOAD, "columns": ["order_id"], "limit": 3}
    assert _post(api_sqlite, "/api/count", spec) == {"total_rows": 3}
    assert _post(api_sqlite, "/api/count", {**spec, "limit": None}) == {"total_rows": 80}
