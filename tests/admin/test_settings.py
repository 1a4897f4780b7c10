"""PATCH /api/admin/datasets/{key}: settings overlay what the catalog discovers, are checked
against the dataset's columns, decide who sees the dataset, and are audited."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from backend.main import create_app
from tests.admin.helpers import rows
from tests.store.fixtures import Api


def _patch(api: Api, key: str, body: dict[str, Any]) -> Any:
    return api.client.patch(f"/api/admin/datasets/{key}", json=body, headers=api.headers())


def _detail(api: Api, key: str, headers: dict[str, str] | None = None) -> Any:
    return api.client.get(f"/api/datasets/{key}", headers=headers or api.headers())


def test_labels_descriptions_and_formats_show_in_detail_and_results(api: Api) -> None:
    r = _patch(
        api,
        "sales",
        {
            "label": "Global sales",
            "description": "One row per order line",
            "columns": {
                "amount": {"label": "Revenue", "format": "currency", "description": "net"},
                "discount": {"format": "percent:1"},
            },
        },
    )
    assert r.status_code == 200, r.text
    detail = _detail(api, "sales").json()
    assert (detail["label"], detail["description"]) == ("Global sales", "One row per order line")
    amount = next(c for c in detail["columns"] if c["name"] == "amount")
    assert amount == {
        "name": "amount",
        "type": "DECIMAL(18,2)",
        "label": "Revenue",
        "description": "net",
        "format": "currency",
    }
    listed = api.client.get("/api/datasets", headers=api.headers()).json()
    assert {
        "key": "sales",
        "label": "Global sales",
        "description": "One row per order line",
    } in listed
    r = api.client.post(
        "/api/query",
        json={"dataset": "sales", "columns": ["amount"], "page_size": 1},
        headers=api.headers(),
    )
    assert r.json()["columns"][0] == {
        "name": "amount",
        "type": "DECIMAL(18,2)",
        "label": "Revenue",
        "format": "currency",
    }


def test_patch_merges_columns_per_field_and_null_resets(api: Api) -> None:
    _patch(
        api,
        "sales",
        {"label": "S", "columns": {"amount": {"label": "Revenue", "format": "currency"}}},
    )
    r = _patch(api, "sales", {"columns": {"amount": {"format": None}, "region": {"hidden": True}}})
    settings = r.json()["settings"]
    assert settings["label"] == "S"
    assert settings["columns"]["amount"] == {
        "label": "Revenue",
        "description": None,
        "hidden": None,
        "format": None,
        "synonyms": None,
    }
    assert settings["columns"]["region"]["hidden"] is True
    r = _patch(api, "sales", {"label": None, "columns": {"amount": None}})
    assert r.json()["settings"]["label"] is None and "amount" not in r.json()["settings"]["columns"]
    assert r.json()["label"] == "Sales"


@pytest.mark.parametrize(
    ("body", "path", "column"),
    [
        ({"columns": {"revenue": {"label": "R"}}}, "columns.revenue", "revenue"),
        ({"rls": [{"column": "territory", "attribute": "region"}]}, "rls[0].column", "territory"),
        ({"mandatory_filters": ["order_date", "ship_date"]}, "mandatory_filters[1]", "ship_date"),
        ({"default_sort": [{"column": "rank"}]}, "default_sort[0].column", "rank"),
        ({"vintage": {"load_id_column": "batch"}}, "vintage.load_id_column", "batch"),
        (
            {"vintage": {"load_id_column": "load_id", "load_type_column": "kind"}},
            "vintage.load_type_column",
            "kind",
        ),
    ],
)
def test_a_setting_naming_an_unknown_column_is_422(
    api: Api, body: dict[str, Any], path: str, column: str
) -> None:
    r = _patch(api, "sales", body)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_query"
    assert f"no column '{column}'" in error["message"]
    assert error["details"][0]["path"] == path
    stored = api.client.get("/api/admin/datasets/sales", headers=api.headers()).json()["settings"]
    assert (
        stored
        == api.client.get("/api/admin/datasets/items", headers=api.headers()).json()["settings"]
    )


@pytest.mark.parametrize(
    "body",
    [
        {"columns": {"amount": {"format": "#,##0;[Red]"}}},
        {"columns": {"amount": {"colour": "red"}}},
        {"visibility": {"roles": ["superuser"]}},
        {"default_sort": [{"column": "amount", "direction": "up"}]},
        {"rls": [{"column": "region"}]},
        {"unknown_field": 1},
    ],
)
def test_a_malformed_patch_is_422(api: Api, body: dict[str, Any]) -> None:
    r = _patch(api, "sales", body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_query"


def test_patch_of_a_missing_dataset_is_404(api: Api) -> None:
    assert _patch(api, "nope", {"label": "x"}).status_code == 404


def test_the_default_load_type_picks_its_latest_load(api: Api) -> None:
    spec = {
        "dataset": "sales",
        "group_by": ["load_type", "load_id"],
        "measures": [{"column": "order_id", "agg": "count", "alias": "n"}],
    }
    everything = rows(api, spec)
    assert len(everything) == 5
    _patch(
        api,
        "sales",
        {
            "vintage": {
                "load_type_column": "load_type",
                "load_id_column": "load_id",
                "default_load_type": "MONTH_END",
            }
        },
    )
    assert rows(api, spec) == [["MONTH_END", 20240131, 80]]
    assert _detail(api, "sales").json()["vintage"]["default_load_type"] == "MONTH_END"
    pinned = rows(api, {**spec, "vintage": {"load_type": "DAILY", "load_id": 20240102}})
    assert pinned == [["DAILY", 20240102, 80]]


def test_a_mandatory_filter_must_be_present(api: Api) -> None:
    _patch(
        api,
        "sales",
        {"mandatory_filters": ["order_date"], "columns": {"order_date": {"label": "Order day"}}},
    )
    r = api.client.post("/api/query", json={"dataset": "sales"}, headers=api.headers())
    assert r.status_code == 422 and "add a filter on Order day" in r.json()["error"]["message"]
    ok = {"column": "order_date", "operator": ">=", "value": "2023-12-01"}
    assert rows(api, {"dataset": "sales", "filters": {"op": "and", "conditions": [ok]}})
    assert _detail(api, "sales").json()["mandatory_filters"] == ["order_date"]


def test_the_default_sort_orders_results_without_a_sort(api: Api) -> None:
    _patch(api, "items", {"default_sort": [{"column": "item_id", "direction": "desc"}]})
    got = rows(api, {"dataset": "items", "columns": ["item_id"], "page_size": 3})
    assert got == [[299], [298], [297]]


def test_hidden_columns_disappear_for_viewers_only(api: Api) -> None:
    viewer = api.new_user("vera")
    _patch(api, "items", {"columns": {"price": {"hidden": True}}})
    assert "price" not in {c["name"] for c in _detail(api, "items", viewer).json()["columns"]}
    assert "price" in {c["name"] for c in _detail(api, "items").json()["columns"]}
    listed = api.client.get("/api/admin/datasets", headers=api.headers()).json()
    price = next(
        c for d in listed if d["key"] == "items" for c in d["columns"] if c["name"] == "price"
    )
    assert price["hidden"] is True


@pytest.mark.parametrize(
    ("visibility", "sees"),
    [
        ({"roles": ["admin"]}, {"admin"}),
        ({"users": ["ann"]}, {"admin", "ann"}),
        ({"roles": ["viewer"]}, {"admin", "ann", "bob"}),
        ({}, {"admin", "ann", "bob"}),
    ],
)
def test_visibility_decides_who_sees_the_dataset_at_all(
    api: Api, visibility: dict[str, Any], sees: set[str]
) -> None:
    callers = {"admin": api.headers(), "ann": api.new_user("ann"), "bob": api.new_user("bob")}
    _patch(api, "items", {"visibility": visibility})
    join = {
        "dataset": "sales",
        "joins": [
            {
                "dataset": "items",
                "type": "left",
                "on": [{"left": "sales.quantity", "right": "items.item_id"}],
            }
        ],
        "columns": ["order_id", "items.name"],
        "page_size": 1,
    }
    for name, headers in callers.items():
        listed = {d["key"] for d in api.client.get("/api/datasets", headers=headers).json()}
        statuses = {
            "detail": _detail(api, "items", headers).status_code,
            "query": api.client.post(
                "/api/query", json={"dataset": "items"}, headers=headers
            ).status_code,
            "join": api.client.post("/api/query", json=join, headers=headers).status_code,
            "values": api.client.get(
                "/api/datasets/items/values/name", headers=headers
            ).status_code,
        }
        if name in sees:
            assert "items" in listed and set(statuses.values()) == {200}, (name, statuses)
        else:
            assert "items" not in listed and set(statuses.values()) == {404}, (name, statuses)


def test_the_admin_list_shows_every_dataset_with_its_settings(api: Api) -> None:
    _patch(api, "items", {"visibility": {"roles": ["admin"]}, "rls_admin_exempt": True})
    listed = {
        d["key"]: d for d in api.client.get("/api/admin/datasets", headers=api.headers()).json()
    }
    assert set(listed) >= {"items", "sales"}
    assert listed["items"]["settings"]["visibility"] == {"roles": ["admin"], "users": []}
    assert listed["items"]["source"] == "discovered" and listed["items"]["exists"] is True
    assert listed["sales"]["vintage"] == {
        "load_type_column": "load_type",
        "load_id_column": "load_id",
        "default_load_type": None,
    }


def test_changes_are_audited_with_before_and_after(api: Api) -> None:
    _patch(api, "items", {"label": "Items v1"})
    _patch(api, "items", {"label": "Items v2", "columns": {"price": {"hidden": True}}})
    audited = api.audit_rows(action="dataset.update")
    assert [a["dataset"] for a in audited] == ["items", "items"]
    latest = audited[0]["detail"]
    assert latest["before"]["label"] == "Items v1" and latest["after"]["label"] == "Items v2"
    assert latest["after"]["columns"]["price"]["hidden"] is True
    assert "price" not in latest["before"]["columns"]
    assert audited[0]["username"] == "admin"


def test_settings_survive_a_restart(api: Api) -> None:
    _patch(api, "items", {"label": "Kept", "columns": {"price": {"hidden": True}}})
    with TestClient(create_app(api.settings)) as client:
        token = client.post(
            "/api/auth/login", json={"username": "admin", "password": "admin-test-password"}
        )
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        assert client.get("/api/datasets/items", headers=headers).json()["label"] == "Kept"
