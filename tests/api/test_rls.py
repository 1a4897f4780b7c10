"""Row-level security, differentially: for a user limited to some regions, every endpoint
that runs SQL over `sales` (query, preview, explain, distinct values, exports, the AG Grid
table, pivot and export), as the base or a joined dataset, answers exactly what the admin
gets from the same request over a copy of `sales` that holds only those regions
(`sales_<user>`, written once with DuckDB). Users without a value for the attribute get no
rows anywhere.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest

from backend.store.engine import Store
from tests.conftest import build_tiny_warehouse
from tests.store.fixtures import Api, _running_api

REGIONS_OF = {"ann": ["North"], "bob": ["South", "East"]}
NO_ROWS = {"cy": None, "dee": []}  # no attribute at all; an empty list
MANAGERS = {"North": "Nora", "South": "Sam", "East": "Eve", "West": "Wes", "Central": "Cal"}

Spec = Callable[[str], dict[str, Any]]


def _detail(d: str) -> dict[str, Any]:
    return {
        "dataset": d,
        "columns": ["order_id", "region", "customer", "amount", "load_id"],
        "sort": [{"column": "order_id"}],
    }


def _grouped(d: str) -> dict[str, Any]:
    return {
        "dataset": d,
        "group_by": ["region", "load_type"],
        "measures": [
            {"column": "amount", "agg": "sum", "alias": "total"},
            {"column": "customer", "agg": "count_distinct", "alias": "customers"},
        ],
        "sort": [{"column": "region"}, {"column": "load_type"}],
    }


def _filtered(d: str) -> dict[str, Any]:
    return {
        "dataset": d,
        "vintage": {"load_type": "DAILY", "load_id": 20240102},
        "columns": ["order_id", "customer", "quantity"],
        "filters": {
            "op": "or",
            "conditions": [
                {"column": "customer", "operator": "contains", "value": "o"},
                {"column": "quantity", "operator": ">", "value": 5},
            ],
        },
        "sort": [{"column": "order_id"}],
    }


def _total(d: str) -> dict[str, Any]:
    return {"dataset": d, "measures": [{"column": "amount", "agg": "sum", "alias": "total"}]}


def _joined(d: str) -> dict[str, Any]:
    """`sales` (or its copy) joined to a dataset without row-level security."""
    return {
        "dataset": "region_managers",
        "joins": [
            {
                "dataset": d,
                "type": "left",
                "on": [{"left": "region_managers.region", "right": f"{d}.region"}],
            }
        ],
        "group_by": ["manager"],
        "measures": [
            {"column": f"{d}.amount", "agg": "sum", "alias": "total"},
            {"column": f"{d}.order_id", "agg": "count", "alias": "orders"},
        ],
        "sort": [{"column": "manager"}],
    }


SPECS: dict[str, Spec] = {
    "detail": _detail,
    "grouped": _grouped,
    "filtered": _filtered,
    "total": _total,
    "joined": _joined,
}


@pytest.fixture(scope="session")
def rls_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_tiny_warehouse(tmp_path_factory.mktemp("rls") / "warehouse").root
    source = f"read_parquet('{root}/sales/**/*.parquet', hive_partitioning=true)"
    with duckdb.connect() as con:
        for user, regions in REGIONS_OF.items():
            con.execute(
                f"COPY (SELECT * FROM {source} WHERE region IN (SELECT unnest($r))) "
                f"TO '{root}/sales_{user}' (FORMAT parquet, PARTITION_BY (load_type, load_id))",
                {"r": regions},
            )
        con.execute(
            "COPY (SELECT * FROM (VALUES "
            + ", ".join(f"('{r}', '{m}')" for r, m in MANAGERS.items())
            + f") t(region, manager)) TO '{root}/region_managers.parquet' (FORMAT parquet)"
        )
    return root


def _rls_app(store: Store, tmp_path: Path, warehouse: Path) -> Iterator[Api]:
    """`sales` limited by region <- attribute `region`; users ann, bob, cy, dee."""
    for api in _running_api(store, tmp_path, data_dir=warehouse, redis_url=None):
        r = api.client.patch(
            "/api/admin/datasets/sales",
            json={"rls": [{"column": "region", "attribute": "region"}]},
            headers=api.headers(),
        )
        assert r.status_code == 200, r.text
        for user, regions in {**REGIONS_OF, **NO_ROWS}.items():
            api.new_user(user, attributes={} if regions is None else {"region": regions})
        yield api


@pytest.fixture(scope="module")
def rls_api(
    metadata_store: Store, tmp_path_factory: pytest.TempPathFactory, rls_warehouse: Path
) -> Iterator[Api]:
    """One app per store for the tests that only read (starting one costs about a second)."""
    yield from _rls_app(metadata_store, tmp_path_factory.mktemp("rls_app"), rls_warehouse)


def _post(api: Api, path: str, body: dict[str, Any], user: str = "admin") -> Any:
    r = api.client.post(path, json=body, headers=_headers(api, user))
    assert r.status_code == 200, r.text
    return r.json()


def _headers(api: Api, user: str) -> dict[str, str]:
    return api.headers() if user == "admin" else api.headers(user, "viewer-test-password")


def _page(api: Api, spec: dict[str, Any], user: str, path: str = "/api/query") -> Any:
    body = _post(api, path, {**spec, "page_size": 1000}, user)
    return body["rows"], body["total_rows"]


@pytest.mark.parametrize("spec", sorted(SPECS))
def test_query_and_preview_match_a_prefiltered_copy(rls_api: Api, spec: str) -> None:
    build = SPECS[spec]
    for user in REGIONS_OF:
        expected = _page(rls_api, build(f"sales_{user}"), "admin")
        assert expected[0], "the copy has rows, so the comparison means something"
        assert _page(rls_api, build("sales"), user) == expected, user
        preview = _post(rls_api, "/api/preview", build("sales"), user)
        assert preview["rows"] == expected[0][:50], user


def test_explain_is_allowed_and_shows_the_row_filter(rls_api: Api) -> None:
    for user, regions in REGIONS_OF.items():
        for spec in SPECS.values():
            body = _post(rls_api, "/api/explain", spec("sales"), user)
            assert body["allowed"] is True
            assert f'"region" IN ({", ".join(repr(r) for r in regions)})' in body["sql"]


def test_distinct_values_match_a_prefiltered_copy(rls_api: Api) -> None:
    def values(dataset: str, column: str, who: str, q: str = "") -> Any:
        url = f"/api/datasets/{dataset}/values/{column}?q={q}"
        r = rls_api.client.get(url, headers=_headers(rls_api, who))
        assert r.status_code == 200, r.text
        return r.json()["values"]

    for user in REGIONS_OF:
        for column in ("region", "customer", "load_type"):
            for q in ("", "o"):
                expected = values(f"sales_{user}", column, "admin", q)
                assert values("sales", column, user, q) == expected, (user, column, q)
    assert values("sales_ann", "region", "admin") == ["North"]


def _export(api: Api, spec: dict[str, Any], user: str) -> list[dict[str, Any]]:
    headers = _headers(api, user)
    r = api.client.post("/api/exports", json={"query": spec, "format": "parquet"}, headers=headers)
    assert r.status_code == 202, r.text
    return _download(api, r.json()["id"], user)


def _download(api: Api, export_id: str, user: str) -> list[dict[str, Any]]:
    headers = _headers(api, user)
    deadline = time.monotonic() + 30
    while (status := api.client.get(f"/api/exports/{export_id}", headers=headers).json())[
        "status"
    ] not in ("done", "failed", "cancelled"):
        assert time.monotonic() < deadline, status
        time.sleep(0.05)
    assert status["status"] == "done", status
    file = api.client.get(f"/api/exports/{export_id}/download", headers=headers)
    rows: list[dict[str, Any]] = pq.read_table(io.BytesIO(file.content)).to_pylist()
    return rows


@pytest.mark.parametrize("spec", ["detail", "joined"])
def test_exports_match_a_prefiltered_copy(rls_api: Api, spec: str) -> None:
    for user in REGIONS_OF:
        expected = _export(rls_api, SPECS[spec](f"sales_{user}"), "admin")
        assert expected
        assert _export(rls_api, SPECS[spec]("sales"), user) == expected, user


def _grid(**request: Any) -> dict[str, Any]:
    return {"startRow": 0, "endRow": 1000, **request}


AMOUNT = {"id": "amount", "field": "amount", "aggFunc": "sum"}
REGION = {"id": "region", "field": "region"}
GRID_REQUESTS: dict[str, tuple[str, dict[str, Any]]] = {
    "flat": ("table", _grid(sortModel=[{"colId": "order_id", "sort": "asc"}])),
    "groups": ("table", _grid(rowGroupCols=[REGION], valueCols=[AMOUNT])),
    "drilled": (
        "table",
        _grid(
            rowGroupCols=[{"id": "load_type", "field": "load_type"}],
            groupKeys=["DAILY"],
            sortModel=[{"colId": "order_id", "sort": "asc"}],
        ),
    ),
    "filtered": (
        "table",
        _grid(
            filterModel={"customer": {"filterType": "text", "type": "contains", "filter": "o"}},
            sortModel=[{"colId": "order_id", "sort": "asc"}],
        ),
    ),
    "pivot": (
        "pivot",
        _grid(
            rowGroupCols=[REGION],
            pivotCols=[{"id": "load_type", "field": "load_type"}],
            valueCols=[AMOUNT],
            pivotMode=True,
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(GRID_REQUESTS))
def test_aggrid_matches_a_prefiltered_copy(rls_api: Api, name: str) -> None:
    mode, request = GRID_REQUESTS[name]
    for user in REGIONS_OF:
        expected = _post(rls_api, f"/api/datasets/sales_{user}/{mode}", request)
        assert expected["rowData"], (user, expected)
        assert _post(rls_api, f"/api/datasets/sales/{mode}", request, user) == expected, user


def test_aggrid_export_matches_a_prefiltered_copy(rls_api: Api) -> None:
    _, request = GRID_REQUESTS["groups"]
    for user in REGIONS_OF:
        expected = _grid_export(rls_api, f"sales_{user}", request, "admin")
        assert expected and _grid_export(rls_api, "sales", request, user) == expected, user


def _grid_export(api: Api, key: str, request: dict[str, Any], user: str) -> Any:
    body = {**request, "format": "parquet"}
    r = api.client.post(f"/api/datasets/{key}/export", json=body, headers=_headers(api, user))
    assert r.status_code == 202, r.text
    return _download(api, r.json()["id"], user)


@pytest.mark.parametrize("user", sorted(NO_ROWS))
def test_a_user_without_the_attribute_gets_no_rows_anywhere(rls_api: Api, user: str) -> None:
    assert _page(rls_api, _detail("sales"), user) == ([], 0)
    assert _page(rls_api, _grouped("sales"), user) == ([], 0)
    assert _page(rls_api, _total("sales"), user)[0] == [[None]]
    assert _post(rls_api, "/api/preview", _detail("sales"), user)["rows"] == []
    joined = _page(rls_api, _joined("sales"), user)[0]
    assert joined == [[m, None, 0] for m in sorted(MANAGERS.values())]
    values = rls_api.client.get(
        "/api/datasets/sales/values/region", headers=_headers(rls_api, user)
    )
    assert values.json()["values"] == []
    assert _export(rls_api, _detail("sales"), user) == []
    for mode, request in GRID_REQUESTS.values():
        grid = _post(rls_api, f"/api/datasets/sales/{mode}", request, user)
        assert grid["rowData"] == [] and grid["rowCount"] == 0, (mode, grid)
    detail = rls_api.client.get("/api/datasets/sales", headers=_headers(rls_api, user)).json()
    assert detail["row_estimate"] is None  # no whole-table counts for a filtered caller
    assert detail["row_security"] == "no_rows"  # so the explorer can say why it is empty


def test_admins_are_filtered_too_unless_the_dataset_exempts_them(rls_api: Api) -> None:
    assert _page(rls_api, _detail("sales"), "admin") == ([], 0)  # the admin has no region
    _set_exempt(rls_api, True)
    try:
        rows, total = _page(rls_api, _detail("sales"), "admin")
        assert total == 400 and len(rows) == 400
        assert _page(rls_api, _detail("sales"), "ann") == _page(
            rls_api, _detail("sales_ann"), "admin"
        )
    finally:
        _set_exempt(rls_api, False)


def _set_exempt(api: Api, exempt: bool) -> None:
    r = api.client.patch(
        "/api/admin/datasets/sales", json={"rls_admin_exempt": exempt}, headers=api.headers()
    )
    assert r.status_code == 200, r.text


def _set_regions(api: Api, username: str, regions: list[str]) -> None:
    users = api.client.get("/api/admin/users", headers=api.headers()).json()
    user = next(u for u in users if u["username"] == username)
    r = api.client.patch(
        f"/api/admin/users/{user['id']}",
        json={"attributes": {"region": regions}},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text


def test_a_new_attribute_value_applies_at_once(rls_api: Api) -> None:
    _set_regions(rls_api, "ann", REGIONS_OF["bob"])
    try:
        expected = _page(rls_api, _detail("sales_bob"), "admin")
        assert _page(rls_api, _detail("sales"), "ann") == expected
    finally:
        _set_regions(rls_api, "ann", REGIONS_OF["ann"])


def test_the_dataset_detail_says_how_row_security_applies_to_the_caller(rls_api: Api) -> None:
    def security(user: str) -> str:
        got = rls_api.client.get("/api/datasets/sales", headers=_headers(rls_api, user))
        return str(got.json()["row_security"])

    assert security("ann") == "filtered"
    assert security("cy") == "no_rows"
