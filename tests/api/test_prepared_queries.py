"""Compiled specs are kept per process (backend.services.prepared); whatever the compile
read must be in their key. Through the API on real DuckDB, with the metadata store on SQLite
and PostgreSQL: the same spec asked by users with different row-level security attributes
gets each user's own SQL and rows, and an admin's change to a rule, a hidden column, the
dataset's visibility or a user's attributes shows in the very next answer, although the
spec was compiled (and kept) just before.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.conftest import SALES_ROWS_PER_LOAD, TinyWarehouse, build_tiny_warehouse
from tests.store.fixtures import USER_PASSWORD, Api, _running_api

SPEC = {
    "dataset": "sales",
    "columns": ["order_id", "region", "customer"],
    "sort": [{"column": "order_id"}],
    "page_size": 1000,
}


@pytest.fixture
def warehouse(tmp_path: Path) -> TinyWarehouse:
    return build_tiny_warehouse(tmp_path / "warehouse")


@pytest.fixture
def kept_api(metadata_store: Store, tmp_path: Path, warehouse: TinyWarehouse) -> Iterator[Api]:
    yield from _running_api(metadata_store, tmp_path, data_dir=warehouse.root, redis_url=None)


def _patch_dataset(api: Api, body: dict[str, Any]) -> None:
    r = api.client.patch("/api/admin/datasets/sales", json=body, headers=api.headers())
    assert r.status_code == 200, r.text


def _rls(api: Api, rules: list[dict[str, str]]) -> None:
    """Row-level security by `rules`; the admin, exempt, sees every row (the reference)."""
    _patch_dataset(api, {"rls": rules, "rls_admin_exempt": True})


def _query(api: Api, headers: dict[str, str], **extra: Any) -> Any:
    r = api.client.post("/api/query", json={**SPEC, **extra}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def _regions(body: Any) -> set[str]:
    names = [c["name"] for c in body["columns"]]
    return {row[names.index("region")] for row in body["rows"]}


def _admin_rows_in(api: Api, regions: list[str]) -> Any:
    where = {"op": "and", "conditions": [{"column": "region", "operator": "in", "value": regions}]}
    return _query(api, api.headers(), filters=where)["rows"]


def test_the_same_spec_gives_each_user_the_rows_of_their_own_attributes(kept_api: Api) -> None:
    _rls(kept_api, [{"column": "region", "attribute": "region"}])
    ann = kept_api.new_user("ann", attributes={"region": ["North"]})
    bob = kept_api.new_user("bob", attributes={"region": ["South", "East"]})
    for _ in range(2):  # the second round is answered from kept compiles
        for user, regions in ((ann, ["North"]), (bob, ["South", "East"])):
            body = _query(kept_api, user)
            assert body["rows"] == _admin_rows_in(kept_api, regions)
            assert _regions(body) == set(regions)
            listed = ", ".join(f"'{r}'" for r in regions)
            assert f'"region" IN ({listed})' in body["sql"]
    # Pages of one spec share its compile; each still gets its own rows.
    second = _query(kept_api, bob, page=2, page_size=3)
    assert second["rows"] == _admin_rows_in(kept_api, ["South", "East"])[3:6]
    assert "LIMIT 3 OFFSET 3" in second["sql"]


def test_a_changed_rls_rule_shows_in_the_next_answer(kept_api: Api) -> None:
    _rls(kept_api, [{"column": "region", "attribute": "region"}])
    ann = kept_api.new_user("ann", attributes={"region": ["North"], "buyer": ["O'Brien"]})
    assert _regions(_query(kept_api, ann)) == {"North"}
    _rls(kept_api, [{"column": "customer", "attribute": "buyer"}])
    body = _query(kept_api, ann)
    where = {
        "op": "and",
        "conditions": [{"column": "customer", "operator": "=", "value": "O'Brien"}],
    }
    expected = _query(kept_api, kept_api.headers(), filters=where)["rows"]
    assert expected and body["rows"] == expected
    assert _regions(body) != {"North"}, "the region rule no longer applies"
    _rls(kept_api, [])
    assert len(_query(kept_api, ann)["rows"]) == len(_query(kept_api, kept_api.headers())["rows"])


def test_changed_user_attributes_show_in_the_next_answer(kept_api: Api) -> None:
    _rls(kept_api, [{"column": "region", "attribute": "region"}])
    kept_api.new_user("ann", attributes={"region": ["North"]})
    assert _regions(_query(kept_api, kept_api.headers("ann", USER_PASSWORD))) == {"North"}
    users = kept_api.client.get("/api/admin/users", headers=kept_api.headers()).json()
    ann_id = next(u["id"] for u in users if u["username"] == "ann")
    r = kept_api.client.patch(
        f"/api/admin/users/{ann_id}",
        json={"attributes": {"region": ["West"]}},
        headers=kept_api.headers(),
    )
    assert r.status_code == 200, r.text
    assert _regions(_query(kept_api, kept_api.headers("ann", USER_PASSWORD))) == {"West"}


def test_a_column_hidden_after_a_query_is_gone_from_the_next_one(kept_api: Api) -> None:
    vera = kept_api.new_user("vera")
    assert _query(kept_api, vera)["rows"]
    _patch_dataset(kept_api, {"columns": {"customer": {"hidden": True}}})
    r = kept_api.client.post("/api/query", json=SPEC, headers=vera)
    assert r.status_code == 422, r.text
    assert "customer" in r.text
    assert _query(kept_api, kept_api.headers())["rows"], "admins still see it"
    _patch_dataset(kept_api, {"columns": {"customer": {"hidden": False}}})
    assert _query(kept_api, vera)["rows"]


def test_a_dataset_withdrawn_from_a_user_after_a_query_is_not_found(kept_api: Api) -> None:
    ann = kept_api.new_user("ann")
    assert _query(kept_api, ann)["rows"]
    _patch_dataset(kept_api, {"visibility": {"roles": ["admin"]}})
    r = kept_api.client.post("/api/query", json=SPEC, headers=ann)
    assert r.status_code == 404, r.text


def test_the_same_spec_in_two_dialects_gets_each_its_own_sql(kept_api: Api) -> None:
    def sql(dialect: str) -> str:
        r = kept_api.client.post(
            f"/api/sql?dialect={dialect}", json=SPEC, headers=kept_api.headers()
        )
        assert r.status_code == 200, r.text
        return str(r.json()["sql"])

    for _ in range(2):
        assert sql("oracle").endswith("FETCH FIRST 1000 ROWS ONLY")
        assert sql("duckdb").endswith("LIMIT 1000")


@pytest.mark.parametrize("page", [1, 2, 3])
def test_each_page_of_a_kept_spec_shows_the_sql_of_its_own_rows(kept_api: Api, page: int) -> None:
    """The page's text comes from the kept compile's template, its tree is never built:
    it must still be that page's statement, and running it must give the page's rows."""
    headers = kept_api.headers()
    spec = {**SPEC, "page_size": 7}
    _query(kept_api, headers, page_size=7)  # kept now
    body = _query(kept_api, headers, page_size=7, page=page)
    offset = (page - 1) * 7
    assert body["sql"].endswith(f"LIMIT 7 OFFSET {offset}" if offset else "LIMIT 7")
    r = kept_api.client.post("/api/sql", json={**spec, "page": page}, headers=headers)
    assert r.status_code == 200, r.text
    assert body["sql"].replace('"', "") == r.json()["sql"].replace('"', "")
    ids = [row[0] for row in body["rows"]]
    assert ids == sorted(ids) and len(ids) == 7
    first = _query(kept_api, headers, page_size=7 * page)
    assert ids == [row[0] for row in first["rows"]][offset:]


def test_a_new_load_is_read_by_default_at_once(kept_api: Api, warehouse: TinyWarehouse) -> None:
    """The default vintage (the newest load of DAILY) is resolved when compiling: a new load
    makes a new data version, so the kept compile is not reused."""
    vintage = {"load_type_column": "load_type", "load_id_column": "load_id"}
    _patch_dataset(kept_api, {"vintage": {**vintage, "default_load_type": "DAILY"}})
    spec = {"dataset": "sales", "measures": [{"column": "order_id", "agg": "count", "alias": "n"}]}

    def count() -> Any:
        r = kept_api.client.post("/api/query", json=spec, headers=kept_api.headers())
        assert r.status_code == 200, r.text
        return r.json()["rows"][0][0]

    assert count() == SALES_ROWS_PER_LOAD
    warehouse.add_sales_load("DAILY", 20240110, rows=3)
    deadline = time.monotonic() + 10  # the catalog rescans about every second
    while (n := count()) != 3 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert n == 3
