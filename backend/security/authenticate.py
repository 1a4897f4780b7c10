"""Credentials to a `User`: a bearer token or an `X-API-Key`, checked against the store.

Every failure is the same 401 `unauthenticated`, whether the token is malformed, expired,
revoked or older than the user's last account change, the key unknown or revoked, or the
user inactive.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, exists, select, update
from sqlalchemy.orm import Session

from backend.errors import Unauthenticated
from backend.security.api_keys import key_matches, prefix_of
from backend.security.context import AuthContext
from backend.security.principal import User
from backend.store.base import utcnow
from backend.store.models import ApiKeyRow, TokenRevocationRow, UserRow

# last_used_at is written at most this often per key, to keep keyed requests read-only.
LAST_USED_EVERY = dt.timedelta(minutes=1)

NO_CREDENTIALS = "Log in, or send an API key in the X-API-Key header."
ACCOUNT_CHANGED = "Your account was changed since you logged in; please log in again."


def bearer_token(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Send the access token as 'Authorization: Bearer <token>'.")
    return token.strip()


def require_credentials(authorization: str | None, api_key: str | None) -> None:
    """401 before any store work when the request carries no credentials at all."""
    if not api_key and not authorization:
        raise Unauthenticated(NO_CREDENTIALS)


def authenticate(ctx: AuthContext, authorization: str | None, api_key: str | None) -> User:
    """The caller named by the request's credentials; the API key wins when both are sent."""
    if api_key:
        return _by_api_key(ctx, api_key)
    token = bearer_token(authorization)
    if token is None:
        raise Unauthenticated(NO_CREDENTIALS)
    return _by_token(ctx, token)


def _by_token(ctx: AuthContext, token: str) -> User:
    """One statement reads the user and whether the token was logged out: every request
    checks both, and two ORM reads in a session were most of a cached page's auth cost."""
    claims = ctx.tokens.decode(token)
    with ctx.store.engine.connect() as connection:
        found = connection.execute(_TOKEN_CHECK, {"user_id": claims.user_id, "jti": claims.jti})
        row = found.one_or_none()
    if row is not None and row.revoked:
        raise Unauthenticated("This session was logged out; please log in again.")
    if row is None or not row.active:
        raise Unauthenticated("This account is not active.")
    if row.token_version != claims.version:
        raise Unauthenticated(ACCOUNT_CHANGED)
    return User.from_row(
        row, token_jti=claims.jti, token_expires_at=claims.expires_at, token_scope=claims.scope
    )


_users = UserRow.__table__.c
_TOKEN_CHECK = select(
    _users.id,
    _users.username,
    _users.display_name,
    _users.role,
    _users.attributes,
    _users.active,
    _users.token_version,
    exists().where(TokenRevocationRow.__table__.c.jti == bindparam("jti")).label("revoked"),
).where(_users.id == bindparam("user_id"))


def _by_api_key(ctx: AuthContext, key: str) -> User:
    prefix = prefix_of(key)
    if prefix is None:
        raise Unauthenticated("The API key is not valid.")
    with ctx.store.session() as session:
        rows = session.scalars(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix)).all()
        found = next((r for r in rows if key_matches(key, r.key_hash)), None)
        if found is None or found.revoked_at is not None:
            raise Unauthenticated("The API key is not valid or has been revoked.")
        user = User.from_row(_active_user(session, found.user_id), api_key_id=found.id)
        _touch(session, found)
        return user


def _active_user(session: Session, user_id: int) -> UserRow:
    row = session.get(UserRow, user_id)
    if row is None or not row.active:
        raise Unauthenticated("This account is not active.")
    return row


def _touch(session: Session, key: ApiKeyRow) -> None:
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key.id).values(last_used_at=now))
