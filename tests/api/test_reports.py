"""Saved reports: owner, sharing, 404 for others' private reports, spec validated on save."""

from __future__ import annotations

from typing import Any

import pytest

from backend.deps import get_spec_validator
from backend.errors import UnknownColumn
from backend.query.spec import QuerySpec
from backend.security.principal import User
from tests.conftest import TinyWarehouse
from tests.store.fixtures import Api

SPEC = {
    "dataset": "sales",
    "columns": ["region", "amount"],
    "filters": {
        "op": "and",
        "conditions": [{"column": "region", "operator": "in", "value": ["N"]}],
    },
}


def _report(**changes: Any) -> dict[str, Any]:
    return {"name": "North sales", "description": "weekly", "spec": SPEC, **changes}


def _save(api: Api, headers: dict[str, str], **changes: Any) -> Any:
    r = api.client.post("/api/reports", json=_report(**changes), headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


@pytest.fixture(autouse=True)
def _warehouse(tiny_warehouse: TinyWarehouse) -> TinyWarehouse:
    """Autouse, so the warehouse exists (in the app's data dir) before `api` starts."""
    return tiny_warehouse


@pytest.fixture
def ann(api: Api) -> dict[str, str]:
    return api.new_user("ann")


@pytest.fixture
def bob(api: Api) -> dict[str, str]:
    return api.new_user("bob")


def test_saved_report_round_trips(api: Api, ann: dict[str, str]) -> None:
    saved = _save(api, ann)
    got = api.client.get(f"/api/reports/{saved['id']}", headers=ann).json()
    assert got["name"] == "North sales" and got["description"] == "weekly"
    assert got["shared"] is False and got["owner"] == "ann" and got["can_edit"] is True
    assert QuerySpec.model_validate(got["spec"]) == QuerySpec.model_validate(SPEC)


def test_another_users_private_report_is_404_everywhere(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    saved = _save(api, ann)
    url = f"/api/reports/{saved['id']}"
    assert api.client.get(url, headers=bob).status_code == 404
    assert api.client.put(url, json=_report(), headers=bob).status_code == 404
    assert api.client.delete(url, headers=bob).status_code == 404
    assert api.client.get("/api/reports", headers=bob).json() == []


def test_shared_report_is_visible_to_all_but_editable_by_owner_and_admins(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    saved = _save(api, ann, shared=True)
    url = f"/api/reports/{saved['id']}"
    seen = api.client.get(url, headers=bob).json()
    assert seen["can_edit"] is False
    assert [r["id"] for r in api.client.get("/api/reports", headers=bob).json()] == [saved["id"]]
    r = api.client.put(url, json=_report(name="hijack"), headers=bob)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert api.client.delete(url, headers=bob).status_code == 403
    r = api.client.put(url, json=_report(name="by admin", shared=True), headers=api.headers())
    assert r.status_code == 200 and r.json()["name"] == "by admin" and r.json()["owner"] == "ann"


def test_owner_updates_and_deletes(api: Api, ann: dict[str, str]) -> None:
    saved = _save(api, ann)
    url = f"/api/reports/{saved['id']}"
    r = api.client.put(url, json=_report(name="Renamed", shared=True), headers=ann)
    assert r.status_code == 200 and r.json()["name"] == "Renamed" and r.json()["shared"] is True
    assert api.client.delete(url, headers=ann).status_code == 204
    assert api.client.get(url, headers=ann).status_code == 404


def test_admin_opens_any_report_but_lists_only_own_and_shared(
    api: Api, ann: dict[str, str]
) -> None:
    saved = _save(api, ann)
    assert api.client.get(f"/api/reports/{saved['id']}", headers=api.headers()).status_code == 200
    assert api.client.get("/api/reports", headers=api.headers()).json() == []


def test_list_shows_own_and_shared_reports(
    api: Api, ann: dict[str, str], bob: dict[str, str]
) -> None:
    _save(api, ann, name="A private")
    shared = _save(api, ann, name="B shared", shared=True)
    bobs = _save(api, bob, name="C bob")
    names = [r["name"] for r in api.client.get("/api/reports", headers=bob).json()]
    assert names == ["B shared", "C bob"]
    assert {shared["id"], bobs["id"]} == {
        r["id"] for r in api.client.get("/api/reports", headers=bob).json()
    }


@pytest.mark.parametrize(
    ("spec", "path"),
    [
        ({"columns": ["a"]}, "spec.dataset"),
        ({"dataset": "s", "page_size": 5000}, "spec.page_size"),
        ({"dataset": "s", "raw_sql": "DROP TABLE x"}, "spec.raw_sql"),
    ],
)
def test_malformed_spec_is_422_invalid_query(
    api: Api, ann: dict[str, str], spec: dict[str, Any], path: str
) -> None:
    r = api.client.post("/api/reports", json=_report(spec=spec), headers=ann)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_query"
    assert r.json()["error"]["details"][0]["path"] == path


def test_spec_is_checked_by_the_catalog_validator_on_create_and_update(
    api: Api, ann: dict[str, str]
) -> None:
    saved = _save(api, ann)
    seen: list[tuple[str, str]] = []

    def reject_unknown(spec: QuerySpec, user: User) -> None:
        seen.append((spec.dataset, user.username))
        raise UnknownColumn("Unknown column 'region' in sales", path="spec.columns[0]")

    api.app.dependency_overrides[get_spec_validator] = lambda: reject_unknown
    try:
        created = api.client.post("/api/reports", json=_report(), headers=ann)
        url = f"/api/reports/{saved['id']}"
        updated = api.client.put(url, json=_report(name="changed"), headers=ann)
    finally:
        del api.app.dependency_overrides[get_spec_validator]
    for r in (created, updated):
        assert r.status_code == 422
        assert r.json()["error"]["code"] == "invalid_query"
        assert r.json()["error"]["details"] == [
            {"path": "spec.columns[0]", "message": "Unknown column 'region' in sales"}
        ]
    assert seen == [("sales", "ann"), ("sales", "ann")]
    assert (
        api.client.get(f"/api/reports/{saved['id']}", headers=ann).json()["name"] == "North sales"
    )
    assert len(api.client.get("/api/reports", headers=ann).json()) == 1


def test_the_default_validator_checks_the_spec_against_the_catalog(
    api: Api, ann: dict[str, str]
) -> None:
    bad = {**SPEC, "columns": ["region", "no_such_column"]}
    r = api.client.post("/api/reports", json=_report(spec=bad), headers=ann)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_query"
    assert "no_such_column" in r.json()["error"]["message"]
