"""A hidden column does not exist for viewers: selecting, filtering, grouping, sorting,
aggregating, computing with or exporting it is 422 unknown column. Admins still use it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.store.fixtures import Api

CONDITION = {"column": "price", "operator": ">", "value": 1}
JOIN = [
    {
        "dataset": "items",
        "type": "inner",
        "on": [{"left": "sales.quantity", "right": "items.item_id"}],
    }
]
SPECS: dict[str, dict[str, Any]] = {
    "select": {"dataset": "items", "columns": ["item_id", "price"]},
    "filter": {"dataset": "items", "filters": {"op": "and", "conditions": [CONDITION]}},
    "group": {
        "dataset": "items",
        "group_by": ["price"],
        "measures": [{"column": "item_id", "agg": "count", "alias": "n"}],
    },
    # A sort must name a selected column, so sorting by a hidden one fails either way.
    "sort": {"dataset": "items", "columns": ["item_id", "price"], "sort": [{"column": "price"}]},
    "measure": {"dataset": "items", "measures": [{"column": "price", "agg": "sum", "alias": "s"}]},
    "measure_expr": {
        "dataset": "items",
        "measures": [{"expr": "price * 2", "agg": "max", "alias": "m"}],
    },
    "calculated": {
        "dataset": "items",
        "calculated": [{"name": "double_price", "expr": "price * 2"}],
        "columns": ["double_price"],
    },
    "joined": {"dataset": "sales", "joins": JOIN, "columns": ["order_id", "items.price"]},
}


@pytest.fixture
def hidden(api: Api) -> dict[str, dict[str, str]]:
    r = api.client.patch(
        "/api/admin/datasets/items",
        json={"columns": {"price": {"hidden": True}}},
        headers=api.headers(),
    )
    assert r.status_code == 200, r.text
    return {"viewer": api.new_user("vera"), "admin": api.headers()}


def test_a_viewer_cannot_use_a_hidden_column_and_an_admin_can(
    api: Api, hidden: dict[str, dict[str, str]]
) -> None:
    # One app for the whole table: starting one costs more than all the requests.
    for use, spec in SPECS.items():
        spec = {**spec, "page_size": 5}
        r = api.client.post("/api/query", json=spec, headers=hidden["viewer"])
        assert r.status_code == 422, (use, r.text)
        assert r.json()["error"]["code"] == "invalid_query", use
        assert "price" in r.json()["error"]["message"], use
        for path in ("/api/preview", "/api/explain", "/api/sql"):
            r = api.client.post(path, json=spec, headers=hidden["viewer"])
            assert r.status_code == 422, (use, path)
        r = api.client.post("/api/query", json=spec, headers=hidden["admin"])
        assert r.status_code == 200, (use, r.text)


def test_a_viewer_can_neither_export_nor_list_values_of_a_hidden_column(
    api: Api, hidden: dict[str, dict[str, str]]
) -> None:
    body = {"query": SPECS["select"], "format": "csv"}
    r = api.client.post("/api/exports", json=body, headers=hidden["viewer"])
    assert r.status_code == 422, r.text
    assert api.client.post("/api/exports", json=body, headers=hidden["admin"]).status_code == 202
    url = "/api/datasets/items/values/price"
    assert api.client.get(url, headers=hidden["viewer"]).status_code == 422
    assert api.client.get(url, headers=hidden["admin"]).status_code == 200

    def names(headers: dict[str, str]) -> list[str]:
        r = api.client.post(
            "/api/query", json={"dataset": "items", "page_size": 1}, headers=headers
        )
        return [c["name"] for c in r.json()["columns"]]

    # "All columns" means the visible ones for everybody; an admin names a hidden one.
    assert "price" not in names(hidden["viewer"]) and "item_id" in names(hidden["viewer"])
    assert "price" not in names(hidden["admin"])
