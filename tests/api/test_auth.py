"""Login, tokens, logout and /me, on SQLite and PostgreSQL (the failed-login limits:
test_auth_limits.py)."""

from __future__ import annotations

import datetime as dt

import jwt

from backend.security.secret import signing_secret
from tests.store.fixtures import ADMIN, ADMIN_PASSWORD, USER_PASSWORD, Api


def _login(api: Api, username: str, password: str) -> int:
    r = api.client.post("/api/auth/login", json={"username": username, "password": password})
    return r.status_code


def test_login_returns_a_bearer_token_and_the_user(api: Api) -> None:
    r = api.client.post("/api/auth/login", json={"username": ADMIN, "password": ADMIN_PASSWORD})
    assert r.status_code == 200
    body = r.json()
    assert body["token_type"] == "bearer"
    assert set(body["user"]) == {"id", "username", "display_name", "role", "attributes"}
    assert body["user"]["username"] == ADMIN and body["user"]["role"] == "admin"


def test_token_is_short_lived_hs256_with_a_jti(api: Api) -> None:
    token = api.login()
    claims = jwt.decode(token, signing_secret(api.settings), algorithms=["HS256"], issuer="aurora")
    lifetime = claims["exp"] - claims["iat"]
    assert lifetime == api.settings.token_ttl_minutes * 60
    assert len(claims["jti"]) >= 16


def test_me_answers_the_caller(api: Api) -> None:
    headers = api.new_user("ann", attributes={"region": ["North"]})
    r = api.client.get("/api/auth/me", headers=headers)
    assert r.status_code == 200
    assert r.json()["attributes"] == {"region": ["North"]}
    assert r.json()["role"] == "viewer"


def test_wrong_password_and_unknown_user_give_the_same_401(api: Api) -> None:
    wrong = api.client.post("/api/auth/login", json={"username": ADMIN, "password": "nope"})
    unknown = api.client.post("/api/auth/login", json={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()
    assert wrong.json()["error"]["code"] == "unauthenticated"


def test_logout_revokes_the_token(api: Api) -> None:
    headers = {"Authorization": f"Bearer {api.login()}"}
    assert api.client.post("/api/auth/logout", headers=headers).status_code == 204
    r = api.client.get("/api/auth/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "unauthenticated"


def test_other_tokens_survive_a_logout(api: Api) -> None:
    first = {"Authorization": f"Bearer {api.login()}"}
    second = {"Authorization": f"Bearer {api.login()}"}
    api.client.post("/api/auth/logout", headers=first)
    assert api.client.get("/api/auth/me", headers=second).status_code == 200


def test_expired_token_is_refused(api: Api) -> None:
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)
    token, _ = api.app.state.context.auth.tokens.issue(1, version=0, now=past)
    r = api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401
    assert "expired" in r.json()["error"]["message"]


def test_token_signed_with_another_secret_is_refused(api: Api) -> None:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": "1", "jti": "x" * 32, "iat": now, "exp": now + dt.timedelta(hours=1)}
    forged = jwt.encode({**claims, "iss": "aurora"}, "another-secret-" * 4, algorithm="HS256")
    r = api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


def test_unsigned_token_is_refused(api: Api) -> None:
    now = dt.datetime.now(dt.UTC)
    claims = {"sub": "1", "jti": "x" * 32, "iat": now, "exp": now + dt.timedelta(hours=1)}
    unsigned = jwt.encode({**claims, "iss": "aurora"}, None, algorithm="none")
    r = api.client.get("/api/auth/me", headers={"Authorization": f"Bearer {unsigned}"})
    assert r.status_code == 401


def test_inactive_user_can_neither_log_in_nor_use_a_token(api: Api) -> None:
    headers = api.new_user("ann")
    me = api.client.get("/api/auth/me", headers=headers).json()
    api.client.patch(f"/api/admin/users/{me['id']}", json={"active": False}, headers=api.headers())
    assert api.client.get("/api/auth/me", headers=headers).status_code == 401
    assert _login(api, "ann", USER_PASSWORD) == 401


def test_a_disabled_account_is_named_only_after_the_right_password(api: Api) -> None:
    headers = api.new_user("ann")
    me = api.client.get("/api/auth/me", headers=headers).json()
    api.client.delete(f"/api/admin/users/{me['id']}", headers=api.headers())
    right = api.client.post("/api/auth/login", json={"username": "ann", "password": USER_PASSWORD})
    wrong = api.client.post("/api/auth/login", json={"username": "ann", "password": "nope"})
    ghost = api.client.post("/api/auth/login", json={"username": "ghost", "password": "nope"})
    assert right.status_code == wrong.status_code == 401
    assert right.json()["error"]["message"] == "This account is disabled."
    assert wrong.json() == ghost.json()
    assert wrong.json()["error"]["message"] == "Wrong user name or password."


def test_login_body_is_validated_in_the_contract_shape(api: Api) -> None:
    r = api.client.post("/api/auth/login", json={"username": ADMIN})
    assert r.status_code == 422
    assert r.json()["error"]["details"][0]["path"] == "password"
