"""Logins and logouts in the metadata store. Functions take an open session, like
`backend.security.users`; the route keeps the rate limit, the token and the audit rows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.security.passwords import Passwords
from backend.store.models import TokenRevocationRow, UserRow


def verify_password(
    session: Session, passwords: Passwords, username: str, password: str
) -> UserRow | None:
    """The user when the password is right (active or not), else None. A right password on
    an old hash profile is rehashed on the way, for active users."""
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    ok = passwords.verify(row.password_hash if row else None, password)
    if row is None or not ok:
        return None
    if row.active and passwords.needs_rehash(row.password_hash):
        row.password_hash = passwords.hash(password)
    return row


def revoke_token(session: Session, jti: str, expires_at: dt.datetime, now: dt.datetime) -> None:
    """Refuse the token from now until it would expire; revocations past expiry go."""
    session.execute(delete(TokenRevocationRow).where(TokenRevocationRow.expires_at < now))
    session.add(TokenRevocationRow(jti=jti, expires_at=expires_at))
