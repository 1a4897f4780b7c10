"""Indexing advice on the embedded DuckDB: usage is counted, and the note says why there is
no index to check. (PostgreSQL, with a real index: tests/conformance/test_app_postgres.py.)"""

from __future__ import annotations

from tests.store.fixtures import Api


def test_advice_counts_filter_columns_from_the_audit_log(api_sqlite: Api) -> None:
    h = api_sqlite.headers()
    spec = {
        "dataset": "items",
        "filters": {
            "op": "or",
            "conditions": [
                {"column": "name", "operator": "contains", "value": "o"},
                {"op": "and", "conditions": [{"column": "price", "operator": ">", "value": 1}]},
            ],
        },
    }
    for _ in range(3):
        assert api_sqlite.client.post("/api/query", json=spec, headers=h).status_code == 200
    api_sqlite.audit_rows()
    advice = api_sqlite.client.get("/api/admin/datasets/items/advice", headers=h).json()
    assert advice["columns"] == [
        {"column": "name", "filter_uses": 3, "join_uses": 0, "indexed": None},
        {"column": "price", "filter_uses": 3, "join_uses": 0, "indexed": None},
    ]
    assert "no indexes" in advice["note"]


def test_advice_is_for_admins_and_known_datasets(api_sqlite: Api) -> None:
    viewer = api_sqlite.new_user("vic")
    assert (
        api_sqlite.client.get("/api/admin/datasets/items/advice", headers=viewer).status_code == 403
    )
    admin = api_sqlite.headers()
    assert (
        api_sqlite.client.get("/api/admin/datasets/nope/advice", headers=admin).status_code == 404
    )
