"""The app with AURORA_DB=postgres answers like the app on DuckDB: the same datasets, columns,
vintage options, query pages, totals and distinct values, through the real HTTP routes.

Three things differ by design: a dataset's column types are spelled the database's way
(`bigint`, `numeric(18,2)`; the same kinds); PostgreSQL datasets have no row estimate (the
relations source does not read one); and a computed decimal's precision is the database's
guess (DuckDB types ROUND(x * 1.1, 1) DECIMAL(18,1), PostgreSQL knows no precision there and
the adapter says DECIMAL(38,1)), while its scale and values agree."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from backend.catalog.models import type_kind
from backend.store.engine import Store
from tests.conformance.pg import PG_URL
from tests.conformance.specs import SPECS
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api, _running_api

pytestmark = pytest.mark.postgres

QUERY_SPECS = [
    "text_contains_percent",
    "between_timestamps",
    "agg_sum_amount_by_region",
    "having_and_where",
    "join_full_filters_both_sides",
    "vintage_daily_3",
    "page_3_of_7_sorted_with_ties",
    "calc_round_decimal",
    "detail_all_sales_columns",
]
CALLS: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/api/datasets", None),
    ("GET", "/api/datasets/sales", None),
    ("GET", "/api/datasets/items/values/name?q=o&limit=20", None),
    *[("POST", "/api/query", SPECS[name].spec) for name in QUERY_SPECS],
    ("POST", "/api/preview", SPECS["join_left"].spec),
]


def _answers(api: Api) -> list[Any]:
    answers = []
    for method, path, body in CALLS:
        r = api.client.request(method, path, json=body, headers=api.headers())
        assert r.status_code == 200, (path, r.text)
        data = r.json()
        if isinstance(data, dict) and data.get("total_pending"):  # as the grid then shows it
            counted = api.client.post("/api/count", json=body, headers=api.headers())
            assert counted.status_code == 200, (path, counted.text)
            data = {**data, "total_rows": counted.json()["total_rows"], "total_pending": False}
        if isinstance(data, dict):  # timings and the SQL text are the database's own
            data = {k: v for k, v in data.items() if k not in ("elapsed_ms", "sql")}
        if path == "/api/datasets/sales":
            data = _kinds_only(data)
        if isinstance(data, dict) and "rows" in data:
            data["columns"] = [{**c, "type": _scale_only(c["type"])} for c in data["columns"]]
        if isinstance(data, dict) and "schema" in data:  # the preview's catalog columns
            data["schema"] = [{**c, "type": type_kind(c["type"])} for c in data["schema"]]
        answers.append(data)
    return answers


def _scale_only(sql_type: str) -> str:
    return re.sub(r"^DECIMAL\(\d+,", "DECIMAL(*,", sql_type)


def _kinds_only(detail: dict[str, Any]) -> dict[str, Any]:
    columns = [{**c, "type": type_kind(c["type"])} for c in detail["columns"]]
    return {**detail, "columns": columns, "row_estimate": None}


@pytest.fixture(scope="module")
def on_duckdb(
    sqlite_store: Store, conformance_warehouse: TinyWarehouse, tmp_path_factory: Any
) -> list[Any]:
    tmp: Path = tmp_path_factory.mktemp("app_duckdb")
    for api in _running_api(sqlite_store, tmp, data_dir=conformance_warehouse.root):
        return _answers(api)
    raise AssertionError("the app did not start")


@pytest.fixture(scope="module")
def pg_api(sqlite_store: Store, pg_schema: str, tmp_path_factory: Any) -> Iterator[Api]:
    tmp: Path = tmp_path_factory.mktemp("app_postgres")
    yield from _running_api(
        sqlite_store, tmp, db="postgres", db_url=SecretStr(PG_URL), db_schema=pg_schema
    )


def test_health_names_the_postgres_adapter(pg_api: Api) -> None:
    assert pg_api.client.get("/api/health").json() == {"status": "ok", "adapter": "postgres"}


def test_postgres_app_answers_like_the_duckdb_app(on_duckdb: list[Any], pg_api: Api) -> None:
    on_postgres = _answers(pg_api)
    for (method, path, _), want, got in zip(CALLS, on_duckdb, on_postgres, strict=True):
        assert got == want, f"{method} {path}"


def test_explain_reports_postgres_cost(pg_api: Api) -> None:
    r = pg_api.client.post("/api/explain", json=SPECS["join_inner"].spec, headers=pg_api.headers())
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["dialect"] == "postgres" and body["allowed"] is True
    assert body["estimated_cost"] > 0 and body["estimated_rows"] > 0
    assert body["sql"].startswith('WITH "sales_rows" AS')


def test_advice_lists_used_columns_and_whether_an_index_leads_with_them(
    pg_api: Api, pg_schema: str
) -> None:
    from psycopg import sql

    from tests.conformance.pg import connect

    with connect() as conn:
        conn.execute(
            sql.SQL("CREATE INDEX ON {} (region, order_date)").format(
                sql.Identifier(pg_schema, "sales")
            )
        )
        conn.commit()
    h = pg_api.headers()
    pg_api.audit_rows()
    before = _uses(pg_api)
    for column in ("region", "region", "customer"):
        spec = {
            "dataset": "sales",
            "columns": ["order_id"],
            "filters": {
                "op": "and",
                "conditions": [{"column": column, "operator": "=", "value": "North"}],
            },
        }
        assert pg_api.client.post("/api/query", json=spec, headers=h).status_code == 200
    join = {
        "dataset": "sales",
        "joins": [
            {
                "dataset": "items",
                "type": "left",
                "on": [{"left": "sales.quantity", "right": "items.item_id"}],
            }
        ],
        "columns": ["order_id"],
    }
    assert pg_api.client.post("/api/query", json=join, headers=h).status_code == 200
    pg_api.audit_rows()  # flushes the audit writer
    advice = pg_api.client.get("/api/admin/datasets/sales/advice", headers=h).json()
    by_column = {c["column"]: c for c in advice["columns"]}
    assert by_column["region"]["indexed"] is True  # leads the (region, order_date) index
    assert by_column["customer"]["indexed"] is False
    assert by_column["quantity"]["indexed"] is False
    assert advice["note"] is None
    after = _uses(pg_api)  # earlier tests of this module ran queries on the same store
    assert after["region"][0] - before.get("region", (0, 0))[0] == 2
    assert after["customer"][0] - before.get("customer", (0, 0))[0] == 1
    assert after["quantity"][1] - before.get("quantity", (0, 0))[1] == 1


def _uses(api: Api) -> dict[str, tuple[int, int]]:
    advice = api.client.get("/api/admin/datasets/sales/advice", headers=api.headers()).json()
    return {c["column"]: (c["filter_uses"], c["join_uses"]) for c in advice["columns"]}
