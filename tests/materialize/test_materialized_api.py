"""Materializations through the real app on a small demo warehouse (global_sales joined to
employee_roster): rewritten and unrewritten queries give identical responses, explain says
when it read the materialization, row-level security still applies (or the query keeps
its inputs), a new load is never served stale, and the admin API."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from backend.store.engine import Store
from tests.store.fixtures import Api, _running_api

ON_EMPLOYEE = [{"left": "employee_id", "right": "employee_id"}]
DECLARATION = {
    "name": "sales_roster",
    "dataset": "global_sales",
    "joins": [{"dataset": "employee_roster", "on": ON_EMPLOYEE}],
    "columns": [
        "order_id",
        "order_date",
        "global_sales.region",
        "country",
        "channel",
        "quantity",
        "revenue",
        "discount",
        "load_type",
        "load_id",
        "full_name",
        "salary_band",
        "hire_date",
        "employee_roster.region",
    ],
}


@pytest.fixture(scope="module")
def warehouse(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the joins tests' demo warehouse that builds may write into."""
    return Path(shutil.copytree(demo_warehouse, tmp_path_factory.mktemp("mat") / "warehouse"))


@pytest.fixture(scope="module")
def mat_api(
    sqlite_store: Store, tmp_path_factory: pytest.TempPathFactory, warehouse: Path
) -> Iterator[Api]:
    for api in _running_api(sqlite_store, tmp_path_factory.mktemp("api"), data_dir=warehouse):
        declare(api, DECLARATION)
        yield api


def declare(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    r = api.client.post("/api/admin/materializations", json=body, headers=api.headers())
    assert r.status_code == 201, r.text
    api.app.state.context.services.materialized.wait()
    shown = api.client.get(f"/api/admin/materializations/{body['name']}", headers=api.headers())
    assert shown.json()["status"] == "ready", shown.text
    return dict(shown.json())


@contextmanager
def without_rewrite(api: Api) -> Iterator[None]:
    queries = api.app.state.context.services.queries
    kept, queries.materialized = queries.materialized, None
    try:
        yield
    finally:
        queries.materialized = kept


def post(api: Api, path: str, spec: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    """The answer; a page answered before its count gets the total from /api/count."""
    r = api.client.post(path, json=spec, headers=headers or api.headers())
    assert r.status_code == 200, r.text
    body = r.json()
    if isinstance(body, dict) and body.get("total_pending"):
        body["total_rows"] = post(api, "/api/count", spec, headers)["total_rows"]
    return body


def rewritten_to(api: Api, spec: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
    return post(api, "/api/explain", spec, headers)["rewritten_to"]


def cond(column: str, operator: str, value: Any = None) -> dict[str, Any]:
    return {"column": column, "operator": operator, "value": value}


def joined(**parts: Any) -> dict[str, Any]:
    return {
        "dataset": "global_sales",
        "joins": [{"dataset": "employee_roster", "on": ON_EMPLOYEE}],
        **parts,
    }


CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "detail, filters on each side, second page",
        "/api/query",
        joined(
            columns=["order_id", "order_date", "full_name", "employee_roster.region", "revenue"],
            filters={
                "conditions": [
                    cond("channel", "in", ["Online", "Retail"]),
                    cond("salary_band", "!=", "B1"),
                ]
            },
            page=2,
            page_size=40,
        ),
    ),
    (
        "grouped with having, sorted by a measure",
        "/api/query",
        joined(
            group_by=["salary_band", "global_sales.region"],
            measures=[
                {"column": "revenue", "agg": "sum", "alias": "revenue"},
                {"agg": "count", "alias": "orders"},
                {"column": "full_name", "agg": "count_distinct", "alias": "sellers"},
            ],
            filters={"conditions": [cond("orders", ">", 5)]},
            sort=[{"column": "revenue", "direction": "desc"}],
        ),
    ),
    (
        "rollup totals",
        "/api/query",
        joined(
            group_by=["employee_roster.region", "channel"],
            measures=[{"column": "quantity", "agg": "sum", "alias": "units"}],
            totals="rollup",
            page_size=200,
        ),
    ),
    (
        "rollup totals over the groups a measure filter keeps",
        "/api/query",
        joined(
            group_by=["employee_roster.region", "channel"],
            measures=[
                {"column": "quantity", "agg": "sum", "alias": "units"},
                {"column": "full_name", "agg": "count_distinct", "alias": "sellers"},
            ],
            filters={"conditions": [cond("units", ">", 100)]},
            totals="rollup",
            page_size=200,
        ),
    ),
    (
        "calculated field across both sides, or-filter",
        "/api/query",
        joined(
            calculated=[{"name": "tenure", "expr": "year(order_date) - year(hire_date)"}],
            columns=["order_id", "tenure", "revenue"],
            filters={
                "op": "or",
                "conditions": [cond("tenure", ">", 8), cond("discount", ">", 0.2)],
            },
            sort=[{"column": "tenure", "direction": "desc"}],
        ),
    ),
    (
        "one vintage, counted",
        "/api/query",
        joined(
            vintage={"load_type": "MONTH_END"},
            columns=["order_id", "country", "full_name"],
            page_size=10,
        ),
    ),
    (
        "preview",
        "/api/preview",
        joined(columns=["order_id", "full_name", "salary_band"], page_size=500),
    ),
]


@pytest.mark.parametrize(("why", "path", "spec"), CASES, ids=[c[0] for c in CASES])
def test_rewritten_and_unrewritten_queries_answer_identically(
    mat_api: Api, why: str, path: str, spec: dict[str, Any]
) -> None:
    assert rewritten_to(mat_api, spec) == "sales_roster"
    fast = post(mat_api, path, spec)
    with without_rewrite(mat_api):
        assert rewritten_to(mat_api, spec) is None
        plain = post(mat_api, path, spec)
    assert fast["rows"], "a case that returns rows"
    for part in ("columns", "rows", "total_rows", "page", "page_size"):
        assert fast[part] == plain[part], f"{why}: {part}"
    assert "sales_roster" in fast["sql"] and "JOIN" not in fast["sql"]


def test_explain_reports_the_rewrite_in_its_notes(mat_api: Api) -> None:
    body = post(mat_api, "/api/explain", joined(columns=["order_id", "full_name"]))
    assert body["rewritten_to"] == "sales_roster"
    assert "read from materialization 'sales_roster'" in body["notes"]
    assert "JOIN" not in body["sql"]


def test_a_query_needing_another_column_keeps_its_join(mat_api: Api) -> None:
    spec = joined(columns=["order_id", "manager_id"])
    assert rewritten_to(mat_api, spec) is None
    assert "JOIN" in post(mat_api, "/api/query", spec)["sql"]


def test_the_materialization_is_not_a_dataset(mat_api: Api) -> None:
    r = mat_api.client.get("/api/datasets", headers=mat_api.headers())
    assert {d["key"] for d in r.json()} == {"global_sales", "employee_roster", "products"}


# -- row-level security --------------------------------------------------------------------


def set_rls(api: Api, dataset: str, column: str, attribute: str) -> None:
    body = {"rls": [{"column": column, "attribute": attribute}]}
    r = api.client.patch(f"/api/admin/datasets/{dataset}", json=body, headers=api.headers())
    assert r.status_code == 200, r.text


@pytest.fixture
def rls_api(sqlite_store: Store, tmp_path: Path, warehouse: Path) -> Iterator[Api]:
    yield from _running_api(sqlite_store, tmp_path, data_dir=warehouse)


def test_row_security_applies_to_the_materialized_read(rls_api: Api) -> None:
    declare(rls_api, DECLARATION)
    set_rls(rls_api, "global_sales", "region", "region")
    set_rls(rls_api, "employee_roster", "region", "region")
    ann = rls_api.new_user("ann", attributes={"region": ["North"]})
    spec = joined(
        columns=["order_id", "global_sales.region", "employee_roster.region"], page_size=1000
    )
    assert rewritten_to(rls_api, spec, ann) == "sales_roster"
    fast = post(rls_api, "/api/query", spec, ann)
    with without_rewrite(rls_api):
        plain = post(rls_api, "/api/query", spec, ann)
    assert fast["rows"] == plain["rows"] and fast["total_rows"] == plain["total_rows"]
    assert fast["rows"] and {(r[1], r[2]) for r in fast["rows"]} == {("North", "North")}


def test_row_security_on_a_column_it_lacks_keeps_the_inputs(rls_api: Api) -> None:
    declare(rls_api, DECLARATION)
    set_rls(rls_api, "global_sales", "department", "department")
    bob = rls_api.new_user("bob", attributes={"department": ["Enterprise"]})
    spec = joined(columns=["order_id", "full_name"], page_size=1000)
    assert rewritten_to(rls_api, spec, bob) is None
    rows = post(rls_api, "/api/query", spec, bob)["rows"]
    with duckdb.connect() as con:
        expected = con.execute(
            "SELECT count(*) FROM read_parquet(?, hive_partitioning=true) "
            "WHERE department = 'Enterprise'",
            [str(rls_api.settings.data_dir / "global_sales" / "**" / "*.parquet")],
        ).fetchall()[0][0]
    assert len(rows) == min(1000, expected)


def test_row_security_on_a_left_joined_side_keeps_the_inputs(rls_api: Api) -> None:
    left = {**DECLARATION, "name": "sales_roster_left"}
    left["joins"] = [{"dataset": "employee_roster", "type": "left", "on": ON_EMPLOYEE}]
    declare(rls_api, left)
    spec = {**joined(columns=["order_id", "full_name"]), "joins": left["joins"]}
    assert rewritten_to(rls_api, spec) == "sales_roster_left"
    set_rls(rls_api, "employee_roster", "region", "region")
    cy = rls_api.new_user("cy", attributes={"region": ["South"]})
    assert rewritten_to(rls_api, spec, cy) is None


# -- freshness -----------------------------------------------------------------------------


def add_load(warehouse: Path, load_id: int, rows: int) -> None:
    """A new DAILY partition of global_sales: copies of existing rows with new order ids."""
    folder = warehouse / "global_sales" / "load_type=DAILY" / f"load_id={load_id}"
    folder.mkdir(parents=True)
    with duckdb.connect() as con:
        source = str(warehouse / "global_sales" / "**" / "*.parquet")
        con.execute(
            f"COPY (SELECT * EXCLUDE (load_type, load_id) REPLACE (order_id + 900000000 AS "
            f"order_id) FROM read_parquet('{source}', hive_partitioning=true) "
            f"ORDER BY order_id LIMIT {rows}) TO '{folder / 'part-0.parquet'}' (FORMAT parquet)"
        )


def test_a_new_load_is_never_served_stale_and_the_join_is_rebuilt(
    sqlite_store: Store, tmp_path: Path, warehouse: Path
) -> None:
    own = Path(shutil.copytree(warehouse, tmp_path / "own", ignore=shutil.ignore_patterns("_*")))
    for api in _running_api(sqlite_store, tmp_path, data_dir=own):
        declare(api, DECLARATION)
        spec = joined(measures=[{"agg": "count", "alias": "n"}])
        before = post(api, "/api/query", spec)["rows"][0][0]
        assert rewritten_to(api, spec) == "sales_roster"
        add_load(own, 20990101, rows=25)
        api.app.state.context.services.catalog.refresh()
        assert post(api, "/api/query", spec)["rows"][0][0] == before + 25  # from the inputs
        materialized = api.app.state.context.services.materialized
        materialized.wait()
        deadline = time.monotonic() + 30
        while rewritten_to(api, spec) is None and time.monotonic() < deadline:
            materialized.wait()
            time.sleep(0.1)
        assert rewritten_to(api, spec) == "sales_roster"
        assert post(api, "/api/query", spec)["rows"][0][0] == before + 25


# -- the admin API -------------------------------------------------------------------------


def test_admin_api_declares_lists_and_deletes(rls_api: Api) -> None:
    admin = rls_api.headers()
    shown = declare(rls_api, DECLARATION)
    assert shown["rows"] and shown["columns"][0] == {
        "source": "global_sales.order_id",
        "name": "order_id",
    }
    assert "JOIN" in shown["sql"]
    listed = rls_api.client.get("/api/admin/materializations", headers=admin).json()
    assert [m["name"] for m in listed] == ["sales_roster"]
    again = rls_api.client.post("/api/admin/materializations", json=DECLARATION, headers=admin)
    assert again.status_code == 409
    folder = rls_api.settings.data_dir / "_materialized"
    assert list(folder.glob("sales_roster-*.parquet"))
    r = rls_api.client.delete("/api/admin/materializations/sales_roster", headers=admin)
    assert r.status_code == 204
    assert not list(folder.glob("sales_roster-*.parquet"))
    gone = rls_api.client.get("/api/admin/materializations/sales_roster", headers=admin)
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"


BAD: list[tuple[str, dict[str, Any]]] = [
    ("unknown column", {**DECLARATION, "columns": ["order_id", "nope"]}),
    ("unknown dataset", {**DECLARATION, "dataset": "nope"}),
    (
        "right join",
        {
            **DECLARATION,
            "joins": [{"dataset": "employee_roster", "type": "right", "on": ON_EMPLOYEE}],
        },
    ),
    ("relation on DuckDB", {**DECLARATION, "relation": "mv_sales_roster"}),
    ("bad name", {**DECLARATION, "name": "Sales Roster"}),
]


@pytest.mark.parametrize(("why", "body"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_declaration_is_refused_in_the_contract_shape(
    rls_api: Api, why: str, body: dict[str, Any]
) -> None:
    r = rls_api.client.post("/api/admin/materializations", json=body, headers=rls_api.headers())
    assert r.status_code in (404, 422), why
    assert set(r.json()["error"]) >= {"code", "message"}


def test_viewers_may_not_declare(rls_api: Api) -> None:
    viewer = rls_api.new_user("vic")
    r = rls_api.client.post("/api/admin/materializations", json=DECLARATION, headers=viewer)
    assert r.status_code == 403
