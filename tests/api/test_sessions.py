"""Sessions end when the account changes: deactivation, a new password or a new role refuse
every token issued before (the user's token version); other edits leave sessions alone.
API keys are not sessions: only deactivation revokes them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jwt
import pytest

from backend.security.secret import signing_secret
from tests.store.fixtures import USER_PASSWORD, Api

NEW_PASSWORD = "a-brand-new-password"

# (what the admin does, as (method, body) steps; does it end ann's sessions?)
ACCOUNT_CHANGES: list[tuple[str, list[tuple[str, Any]], bool]] = [
    ("deactivate", [("DELETE", None)], True),
    ("deactivate and reactivate", [("DELETE", None), ("PATCH", {"active": True})], True),
    ("patch inactive and back", [("PATCH", {"active": False}), ("PATCH", {"active": True})], True),
    ("password reset", [("PATCH", {"password": NEW_PASSWORD})], True),
    ("role change", [("PATCH", {"role": "admin"})], True),
    ("same role again", [("PATCH", {"role": "viewer"})], False),
    ("display name", [("PATCH", {"display_name": "Ann B."})], False),
    ("attributes", [("PATCH", {"attributes": {"region": ["South"]}})], False),
]


def _change(api: Api, user_id: int, steps: list[tuple[str, Any]]) -> None:
    for method, body in steps:
        url = f"/api/admin/users/{user_id}"
        r = api.client.request(method, url, json=body, headers=api.headers())
        assert r.status_code in (200, 204), r.text


@pytest.mark.parametrize(
    ("change", "steps", "ends"), ACCOUNT_CHANGES, ids=[c[0] for c in ACCOUNT_CHANGES]
)
def test_account_changes_end_earlier_sessions(
    api: Api, change: str, steps: list[tuple[str, Any]], ends: bool
) -> None:
    old = api.new_user("ann")
    user_id = api.client.get("/api/auth/me", headers=old).json()["id"]
    _change(api, user_id, steps)
    r = api.client.get("/api/auth/me", headers=old)
    if ends:
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "unauthenticated"
    else:
        assert r.status_code == 200
    password = NEW_PASSWORD if change == "password reset" else USER_PASSWORD
    if change != "deactivate":
        fresh = api.login("ann", password)
        assert api.client.get(
            "/api/auth/me", headers={"Authorization": f"Bearer {fresh}"}
        ).is_success


def test_a_session_ended_by_a_change_stays_ended_after_the_next_login(api: Api) -> None:
    old = api.new_user("ann")
    user_id = api.client.get("/api/auth/me", headers=old).json()["id"]
    _change(api, user_id, [("PATCH", {"password": NEW_PASSWORD})])
    api.login("ann", NEW_PASSWORD)
    assert api.client.get("/api/auth/me", headers=old).status_code == 401


def test_a_role_change_ends_the_session_and_the_next_login_has_the_new_role(api: Api) -> None:
    old = api.new_user("vera")
    user_id = api.client.get("/api/auth/me", headers=old).json()["id"]
    _change(api, user_id, [("PATCH", {"role": "admin"})])
    assert api.client.get("/api/admin/users", headers=old).status_code == 401
    fresh = {"Authorization": f"Bearer {api.login('vera', USER_PASSWORD)}"}
    assert api.client.get("/api/admin/users", headers=fresh).status_code == 200


def _key_for(api: Api, username: str) -> str:
    body = {"username": username, "name": "nightly job"}
    r = api.client.post("/api/admin/api-keys", json=body, headers=api.headers())
    assert r.status_code == 201, r.text
    key: str = r.json()["key"]
    return key


@pytest.mark.parametrize(
    ("change", "steps", "key_works"),
    [
        ("password reset", [("PATCH", {"password": NEW_PASSWORD})], True),
        ("role change", [("PATCH", {"role": "admin"})], True),
        ("deactivate and reactivate", [("DELETE", None), ("PATCH", {"active": True})], False),
    ],
)
def test_api_keys_outlive_account_changes_but_not_deactivation(
    api: Api, change: str, steps: list[tuple[str, Any]], key_works: bool
) -> None:
    headers = api.new_user("ann")
    user_id = api.client.get("/api/auth/me", headers=headers).json()["id"]
    key = _key_for(api, "ann")
    _change(api, user_id, steps)
    r = api.client.get("/api/auth/me", headers={"X-API-Key": key})
    assert r.status_code == (200 if key_works else 401)


def test_a_token_without_a_version_is_refused(api: Api) -> None:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": "1", "jti": "x" * 32, "iat": now, "exp": now + dt.timedelta(hours=1)}
    token = jwt.encode({**claims, "iss": "aurora"}, signing_secret(api.settings), "HS256")
    assert (
        api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
