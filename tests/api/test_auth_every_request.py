"""A token's signature is verified once per process (backend.security.tokens keeps the claims),
but what can change about it is read from the store on every request: a logout, a new token
version, deactivation and new attributes made by another API process (here: written straight
into the shared store, not through this app) apply to the very next request. The token was
used, so verified and kept, before each change."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy import update

from backend.errors import Unauthenticated
from backend.security.tokens import Tokens
from backend.store.base import utcnow
from backend.store.models import TokenRevocationRow, UserRow
from tests.store.fixtures import Api


def _me(api: Api, headers: dict[str, str]) -> tuple[int, dict[str, object]]:
    r = api.client.get("/api/auth/me", headers=headers)
    return r.status_code, r.json()


def _used(api: Api) -> tuple[dict[str, str], int]:
    """Ann's token, used twice (its claims kept), and her id."""
    headers = api.new_user("ann", attributes={"region": ["West"]})
    for _ in range(2):
        status, body = _me(api, headers)
        assert status == 200, body
    return headers, int(str(body["id"]))


def _refused(api: Api, headers: dict[str, str], message: str) -> None:
    status, body = _me(api, headers)
    assert status == 401, body
    error = body["error"]
    assert isinstance(error, dict) and message in error["message"]


def test_a_token_logged_out_by_another_process_is_refused_on_its_next_request(api: Api) -> None:
    headers, _ = _used(api)
    token = headers["Authorization"].removeprefix("Bearer ")
    jti = api.app.state.context.auth.tokens.decode(token).jti
    with api.store.session() as session:
        session.add(TokenRevocationRow(jti=jti, expires_at=utcnow() + dt.timedelta(hours=1)))
    _refused(api, headers, "logged out")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"active": False}, "not active"),
        ({"token_version": UserRow.token_version + 1}, "changed since you logged in"),
    ],
    ids=["deactivated", "new token version"],
)
def test_a_user_changed_by_another_process_is_refused_on_the_next_request(
    api: Api, change: dict[str, object], message: str
) -> None:
    headers, user_id = _used(api)
    with api.store.session() as session:
        session.execute(update(UserRow).where(UserRow.id == user_id).values(**change))
    _refused(api, headers, message)


def test_new_attributes_apply_to_the_next_request_of_a_live_token(api: Api) -> None:
    headers, user_id = _used(api)
    with api.store.session() as session:
        values = {"attributes": {"region": ["South"]}}
        session.execute(update(UserRow).where(UserRow.id == user_id).values(**values))
    status, body = _me(api, headers)
    assert status == 200 and body["attributes"] == {"region": ["South"]}


def test_a_kept_token_is_refused_once_it_expires() -> None:
    tokens = Tokens("s" * 40, ttl_minutes=1)
    now = dt.datetime.now(dt.UTC)
    token, _ = tokens.issue(7, version=0, now=now - dt.timedelta(seconds=59))
    assert tokens.decode(token).user_id == 7  # verified, kept
    time.sleep(1.1)
    with pytest.raises(Unauthenticated, match="expired"):
        tokens.decode(token)


def test_a_token_signed_with_another_secret_is_never_kept() -> None:
    ours, theirs = Tokens("s" * 40, ttl_minutes=5), Tokens("t" * 40, ttl_minutes=5)
    token, _ = theirs.issue(7, version=0)
    for _ in range(2):
        with pytest.raises(Unauthenticated, match="not valid"):
            ours.decode(token)
