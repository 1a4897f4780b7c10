"""API keys: created by an admin, shown once, stored hashed, revocable, last use recorded."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import select, update

from backend.store.models import ApiKeyRow
from tests.store.fixtures import Api


def _make_key(api: Api, username: str = "ann", name: str = "nightly export job") -> Any:
    r = api.client.post(
        "/api/admin/api-keys", json={"username": username, "name": name}, headers=api.headers()
    )
    assert r.status_code == 201, r.text
    return r.json()


def test_create_returns_the_key_once_with_its_prefix(api: Api) -> None:
    api.new_user("ann")
    made = _make_key(api)
    assert set(made) >= {"id", "key", "prefix", "username"}
    assert made["username"] == "ann" and made["key"].startswith(made["prefix"])
    listed = api.client.get("/api/admin/api-keys", headers=api.headers()).json()
    assert [k["id"] for k in listed] == [made["id"]]
    assert "key" not in listed[0] and made["key"] not in str(listed)


def test_x_api_key_authenticates_as_its_user(api: Api) -> None:
    api.new_user("ann", attributes={"region": ["North"]})
    made = _make_key(api)
    r = api.client.get("/api/auth/me", headers={"X-API-Key": made["key"]})
    assert r.status_code == 200
    assert r.json()["username"] == "ann" and r.json()["attributes"] == {"region": ["North"]}


def test_keys_are_not_recoverable_from_the_table(api: Api) -> None:
    api.new_user("ann")
    made = _make_key(api)
    with api.store.session() as session:
        row = session.scalars(select(ApiKeyRow)).one()
        columns = [str(getattr(row, c.key)) for c in ApiKeyRow.__table__.columns]
    assert all(made["key"] not in value for value in columns)
    assert row.key_hash == hashlib.sha256(made["key"].encode()).hexdigest()


def test_revoked_key_is_401(api: Api) -> None:
    api.new_user("ann")
    made = _make_key(api)
    assert (
        api.client.delete(f"/api/admin/api-keys/{made['id']}", headers=api.headers()).status_code
        == 204
    )
    r = api.client.get("/api/auth/me", headers={"X-API-Key": made["key"]})
    assert r.status_code == 401
    listed = api.client.get("/api/admin/api-keys", headers=api.headers()).json()
    assert listed[0]["revoked_at"] is not None


def test_tampered_key_with_a_valid_prefix_is_401(api: Api) -> None:
    api.new_user("ann")
    made = _make_key(api)
    tampered = made["key"][:-4] + ("AAAA" if not made["key"].endswith("AAAA") else "BBBB")
    assert api.client.get("/api/auth/me", headers={"X-API-Key": tampered}).status_code == 401
    assert api.client.get("/api/auth/me", headers={"X-API-Key": "junk"}).status_code == 401


def test_deactivating_the_user_kills_the_key(api: Api) -> None:
    api.new_user("ann")
    made = _make_key(api)
    user_id = api.client.get("/api/auth/me", headers={"X-API-Key": made["key"]}).json()["id"]
    api.client.delete(f"/api/admin/users/{user_id}", headers=api.headers())
    assert api.client.get("/api/auth/me", headers={"X-API-Key": made["key"]}).status_code == 401


def test_last_used_is_recorded_at_most_once_a_minute(api: Api) -> None:
    api.new_user("ann")
    made = _make_key(api)
    headers = {"X-API-Key": made["key"]}

    def last_used() -> dt.datetime | None:
        with api.store.session() as session:
            return session.get(ApiKeyRow, made["id"]).last_used_at  # type: ignore[union-attr]

    assert last_used() is None
    api.client.get("/api/auth/me", headers=headers)
    first = last_used()
    assert first is not None
    api.client.get("/api/auth/me", headers=headers)
    assert last_used() == first
    long_ago = first - dt.timedelta(minutes=5)
    with api.store.session() as session:
        session.execute(update(ApiKeyRow).values(last_used_at=long_ago))
    api.client.get("/api/auth/me", headers=headers)
    assert last_used() > long_ago  # type: ignore[operator]


def test_key_for_an_unknown_user_is_404(api: Api) -> None:
    r = api.client.post(
        "/api/admin/api-keys", json={"username": "ghost", "name": "x"}, headers=api.headers()
    )
    assert r.status_code == 404


def test_revoking_an_unknown_key_is_404(api: Api) -> None:
    r = api.client.delete("/api/admin/api-keys/nope", headers=api.headers())
    assert r.status_code == 404


def test_logout_with_an_api_key_is_a_clear_400(api: Api) -> None:
    api.new_user("ann")
    made = _make_key(api)
    r = api.client.post("/api/auth/logout", headers={"X-API-Key": made["key"]})
    assert r.status_code == 400
    assert "API keys are revoked by an admin" in r.json()["error"]["message"]
