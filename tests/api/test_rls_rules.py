"""Row-level security rules beyond one text column: several rules ANDed, values typed like
their column, a scalar attribute, values that cannot match, and a mapping to a column the
data no longer has (the dataset is blocked, with a message for the admin)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from backend.store.engine import Store
from tests.conftest import build_tiny_warehouse
from tests.store.fixtures import Api, _running_api

SPEC = {
    "dataset": "sales",
    "columns": ["order_id", "region", "customer", "quantity"],
    "sort": [{"column": "order_id"}],
    "page_size": 1000,
}


@pytest.fixture
def rules_api(metadata_store: Store, tmp_path: Path) -> Iterator[Api]:
    warehouse = build_tiny_warehouse(tmp_path / "warehouse").root
    yield from _running_api(metadata_store, tmp_path, data_dir=warehouse, redis_url=None)


def _rls(api: Api, rules: list[dict[str, str]], key: str = "sales") -> None:
    body = {"rls": rules, "rls_admin_exempt": True}  # the admin's rows are the reference
    r = api.client.patch(f"/api/admin/datasets/{key}", json=body, headers=api.headers())
    assert r.status_code == 200, r.text


def _rows(api: Api, headers: dict[str, str], **extra: Any) -> Any:
    r = api.client.post("/api/query", json={**SPEC, **extra}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()["rows"]


def _where(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"filters": {"op": "and", "conditions": list(conditions)}}


def test_rules_are_anded_and_values_ored_and_typed(rules_api: Api) -> None:
    _rls(
        rules_api,
        [
            {"column": "region", "attribute": "region"},
            {"column": "quantity", "attribute": "qty"},
        ],
    )
    # Numbers given as text become numbers; a value that cannot be one is ignored.
    user = rules_api.new_user(
        "ann", attributes={"region": ["North", "South"], "qty": ["1", 2, "x"]}
    )
    expected = _rows(
        rules_api,
        rules_api.headers(),
        **_where(
            {"column": "region", "operator": "in", "value": ["North", "South"]},
            {"column": "quantity", "operator": "in", "value": [1, 2]},
        ),
    )
    assert expected and _rows(rules_api, user) == expected
    sql = rules_api.client.post("/api/sql", json=SPEC, headers=user).json()["sql"]
    assert '"quantity" IN (1, 2)' in sql and "\"region\" IN ('North', 'South')" in sql


def test_a_scalar_attribute_counts_as_one_value(rules_api: Api) -> None:
    _rls(rules_api, [{"column": "region", "attribute": "region"}])
    user = rules_api.new_user("ann", attributes={"region": "East"})
    expected = _rows(
        rules_api,
        rules_api.headers(),
        **_where({"column": "region", "operator": "=", "value": "East"}),
    )
    assert expected and _rows(rules_api, user) == expected


@pytest.mark.parametrize(
    "attributes",
    [{"qty": ["many", "few"]}, {"qty": []}, {"other": ["1"]}, {"qty": [True]}],
)
def test_values_that_cannot_match_give_no_rows(rules_api: Api, attributes: dict[str, Any]) -> None:
    _rls(rules_api, [{"column": "quantity", "attribute": "qty"}])
    user = rules_api.new_user("ann", attributes=attributes)
    assert _rows(rules_api, user) == []


def _csv_upload(api: Api, content: bytes, **fields: str) -> None:
    r = api.client.post(
        "/api/admin/datasets",
        files={"file": ("team.csv", content, "text/csv")},
        data={"key": "team", **fields},
        headers=api.headers(),
    )
    assert r.status_code == 201, r.text


def test_a_mapping_to_a_vanished_column_blocks_the_dataset_until_fixed(rules_api: Api) -> None:
    _csv_upload(rules_api, b"name,region\nNora,North\nSam,South\n")
    _rls(rules_api, [{"column": "region", "attribute": "region"}], key="team")
    user = rules_api.new_user("ann", attributes={"region": ["North"]})
    assert _team(rules_api, user).json()["rows"] == [["Nora"]]
    _csv_upload(rules_api, b"name,area\nNora,North\n", replace="true")  # `region` is gone

    r = _team(rules_api, user)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "dataset_misconfigured"
    assert "'region'" in error["message"] and "administrator" in error["message"]
    assert error["details"] == [{"dataset": "team", "column": "region"}]
    assert _team(rules_api, rules_api.headers()).status_code == 200  # exempt: no rules apply
    for call in (
        lambda: rules_api.client.get("/api/datasets/team", headers=user),
        lambda: rules_api.client.get("/api/datasets/team/values/name", headers=user),
        lambda: rules_api.client.post("/api/explain", json={"dataset": "team"}, headers=user),
        lambda: rules_api.client.post(
            "/api/exports", json={"query": {"dataset": "team"}, "format": "csv"}, headers=user
        ),
    ):
        assert call().status_code == 409

    # Any other change names the broken rule; dropping or fixing it unblocks the dataset.
    r = rules_api.client.patch(
        "/api/admin/datasets/team", json={"label": "Team"}, headers=rules_api.headers()
    )
    assert r.status_code == 422 and r.json()["error"]["details"][0]["path"] == "rls[0].column"
    _rls(rules_api, [{"column": "area", "attribute": "region"}], key="team")
    assert _team(rules_api, user).json()["rows"] == [["Nora"]]


def _team(api: Api, headers: dict[str, str]) -> Any:
    return api.client.post(
        "/api/query", json={"dataset": "team", "columns": ["name"]}, headers=headers
    )
