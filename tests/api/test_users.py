"""Admin user management: create, list, patch, deactivate; the last admin stays."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from backend.store.models import UserRow
from tests.store.fixtures import ADMIN, USER_PASSWORD, Api

ANN = {
    "username": "ann",
    "password": "ann-password-1",
    "role": "viewer",
    "display_name": "Ann",
    "attributes": {"region": ["North", "West"]},
}


def _create(api: Api, **changes: Any) -> Any:
    return api.client.post("/api/admin/users", json={**ANN, **changes}, headers=api.headers())


def _admin_id(api: Api) -> int:
    me: int = api.client.get("/api/auth/me", headers=api.headers()).json()["id"]
    return me


def test_admin_creates_a_user_with_the_contract_body(api: Api) -> None:
    r = _create(api)
    assert r.status_code == 201
    body = r.json()
    assert {k: body[k] for k in ("username", "role", "display_name", "attributes", "active")} == {
        "username": "ann",
        "role": "viewer",
        "display_name": "Ann",
        "attributes": {"region": ["North", "West"]},
        "active": True,
    }
    assert "password" not in body and "password_hash" not in body
    login = {"username": "ann", "password": "ann-password-1"}
    assert api.client.post("/api/auth/login", json=login).status_code == 200


def test_list_shows_every_user_without_secrets(api: Api) -> None:
    _create(api)
    users = api.client.get("/api/admin/users", headers=api.headers()).json()
    assert [u["username"] for u in users] == [ADMIN, "ann"]
    assert all("password_hash" not in u for u in users)


def test_duplicate_username_is_409_conflict(api: Api) -> None:
    _create(api)
    r = _create(api, display_name="Other Ann")
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"role": "owner"}, "role"),
        ({"password": "short"}, "password"),
        ({"username": "has space"}, "username"),
        ({"attributes": {"region": {"nested": 1}}}, "attributes.region"),
        ({"is_superuser": True}, "is_superuser"),
    ],
)
def test_invalid_user_bodies_are_422_in_the_contract_shape(
    api: Api, changes: dict[str, Any], path: str
) -> None:
    r = _create(api, **changes)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "invalid_query"
    assert any(d["path"].startswith(path) for d in error["details"]), error


def test_patch_changes_role_attributes_and_display_name(api: Api) -> None:
    user_id = _create(api).json()["id"]
    changes = {"role": "admin", "attributes": {"region": ["South"]}, "display_name": "Ann B."}
    r = api.client.patch(f"/api/admin/users/{user_id}", json=changes, headers=api.headers())
    assert r.status_code == 200
    assert {k: r.json()[k] for k in changes} == changes


def test_patch_password_lets_the_user_log_in_with_the_new_one(api: Api) -> None:
    user_id = _create(api).json()["id"]
    body = {"password": "brand-new-password"}
    api.client.patch(f"/api/admin/users/{user_id}", json=body, headers=api.headers())
    old = {"username": "ann", "password": "ann-password-1"}
    new = {"username": "ann", "password": "brand-new-password"}
    assert api.client.post("/api/auth/login", json=old).status_code == 401
    assert api.client.post("/api/auth/login", json=new).status_code == 200


def test_delete_deactivates_and_patch_reactivates(api: Api) -> None:
    user_id = _create(api).json()["id"]
    assert (
        api.client.delete(f"/api/admin/users/{user_id}", headers=api.headers()).status_code == 204
    )
    users = {
        u["username"]: u for u in api.client.get("/api/admin/users", headers=api.headers()).json()
    }
    assert users["ann"]["active"] is False
    login = {"username": "ann", "password": "ann-password-1"}
    assert api.client.post("/api/auth/login", json=login).status_code == 401
    api.client.patch(f"/api/admin/users/{user_id}", json={"active": True}, headers=api.headers())
    assert api.client.post("/api/auth/login", json=login).status_code == 200


@pytest.mark.parametrize(
    ("method", "body"),
    [("DELETE", None), ("PATCH", {"role": "viewer"}), ("PATCH", {"active": False})],
)
def test_the_last_active_admin_cannot_be_removed(
    api: Api, method: str, body: dict[str, Any] | None
) -> None:
    url = f"/api/admin/users/{_admin_id(api)}"
    r = api.client.request(method, url, json=body, headers=api.headers())
    assert r.status_code == 409
    assert "last active administrator" in r.json()["error"]["message"]


def test_an_admin_can_go_once_another_admin_exists(api: Api) -> None:
    _create(api, username="boss", role="admin")
    url = f"/api/admin/users/{_admin_id(api)}"
    assert api.client.patch(url, json={"role": "viewer"}, headers=api.headers()).status_code == 200


def test_unknown_user_id_is_404(api: Api) -> None:
    r = api.client.patch("/api/admin/users/999999", json={"role": "admin"}, headers=api.headers())
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("user_id", ["0", "-1", str(2**63), "1" * 30])
@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_a_user_id_no_row_can_have_is_422_not_a_500(api: Api, method: str, user_id: str) -> None:
    # found by tests/api/test_schemathesis.py: SQLite cannot bind an id past 2**63 - 1
    body = {"json": {"role": "admin"}} if method == "PATCH" else {}
    r = api.client.request(method, f"/api/admin/users/{user_id}", headers=api.headers(), **body)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["path"] == "user_id"


def test_passwords_are_not_recoverable_from_the_users_table(api: Api) -> None:
    _create(api)
    with api.store.session() as session:
        rows = session.scalars(select(UserRow)).all()
        stored = [(r.username, r.password_hash) for r in rows]
    assert len(stored) == 2
    for _, password_hash in stored:
        assert password_hash.startswith("$argon2id$")
    assert all("ann-password-1" not in h and USER_PASSWORD not in h for _, h in stored)


def test_first_start_creates_the_admin_from_the_settings(api: Api) -> None:
    users = api.client.get("/api/admin/users", headers=api.headers()).json()
    assert [(u["username"], u["role"], u["active"]) for u in users] == [(ADMIN, "admin", True)]
