"""On PostgreSQL a materialization is a materialized view the DBA maintains: declaring one
whose view is missing says how to create it; once it exists, covered queries read it with
the same answers as the join on the inputs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from psycopg import sql
from pydantic import SecretStr

from backend.store.engine import Store
from tests.conformance.pg import PG_URL, connect, tiny_schema
from tests.conftest import build_tiny_warehouse
from tests.materialize.test_materialized_api import post, rewritten_to, without_rewrite
from tests.store.fixtures import Api, _running_api

pytestmark = pytest.mark.postgres

JOINS = [{"dataset": "items", "on": [{"left": "quantity", "right": "item_id"}]}]
COLUMNS = ["order_id", "region", "amount", "load_type", "load_id", "name", "price"]


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    warehouse = build_tiny_warehouse(tmp_path_factory.mktemp("pg_mat") / "warehouse")
    with tiny_schema(warehouse, prefix="aurora_mat") as name:
        try:
            yield name
        finally:
            with connect() as conn:
                drop = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
                conn.execute(drop.format(sql.Identifier(f"{name}_mv")))
                conn.commit()


@pytest.fixture
def pg_api(sqlite_store: Store, tmp_path: Path, schema: str) -> Iterator[Api]:
    yield from _running_api(
        sqlite_store, tmp_path, db="postgres", db_url=SecretStr(PG_URL), db_schema=schema
    )


def create_view(schema: str, create: str) -> None:
    """What the DBA runs: the SQL the 422 gave, over the datasets' schema."""
    with connect() as conn:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(f"{schema}_mv"))
        )
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.execute(create.encode())
        conn.commit()


def spec(**parts: Any) -> dict[str, Any]:
    return {"dataset": "sales", "joins": JOINS, **parts}


def test_a_dba_view_serves_covered_queries_with_the_same_answers(pg_api: Api, schema: str) -> None:
    admin = pg_api.headers()
    body = {
        "name": "sales_items",
        "dataset": "sales",
        "joins": JOINS,
        "columns": COLUMNS,
        "relation": f"{schema}_mv.sales_items",
    }
    missing = pg_api.client.post("/api/admin/materializations", json=body, headers=admin)
    assert missing.status_code == 422, missing.text
    create_view(schema, missing.json()["error"]["details"][0]["create"])
    r = pg_api.client.post("/api/admin/materializations", json=body, headers=admin)
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "external"
    queries = [
        spec(
            group_by=["name"],
            measures=[{"column": "amount", "agg": "sum", "alias": "total"}],
            filters={"conditions": [{"column": "region", "operator": "in", "value": ["North"]}]},
            sort=[{"column": "name"}],
        ),
        spec(columns=["order_id", "name", "price"], vintage={"load_type": "DAILY"}, page=2),
    ]
    for query in queries:
        assert rewritten_to(pg_api, query) == "sales_items"
        fast = post(pg_api, "/api/query", query)
        with without_rewrite(pg_api):
            plain = post(pg_api, "/api/query", query)
        assert fast["rows"] and fast["rows"] == plain["rows"]
        assert fast["total_rows"] == plain["total_rows"]
        assert f'"{schema}_mv"."sales_items"' in fast["sql"]


def test_a_view_in_the_datasets_schema_is_refused(pg_api: Api, schema: str) -> None:
    body = {
        "name": "x",
        "dataset": "sales",
        "joins": JOINS,
        "columns": COLUMNS,
        "relation": "items",
    }
    r = pg_api.client.post("/api/admin/materializations", json=body, headers=pg_api.headers())
    assert r.status_code == 422 and "itself a dataset" in r.json()["error"]["message"]
