"""API keys in the metadata store: list, create for an active user, revoke. Functions take
an open session, like `backend.security.users`; the key itself is shown once, by the route."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.errors import NotFound
from backend.security.api_keys import NewKey, new_key
from backend.security.users import active_user
from backend.store.base import utcnow
from backend.store.models import ApiKeyRow, UserRow


def list_keys(session: Session) -> list[tuple[ApiKeyRow, str]]:
    """Every key with its user's name, newest first."""
    query = (
        select(ApiKeyRow, UserRow.username)
        .join(UserRow, UserRow.id == ApiKeyRow.user_id)
        .order_by(ApiKeyRow.created_at.desc())
    )
    return [(key, username) for key, username in session.execute(query).tuples()]


def create_key(session: Session, username: str, name: str) -> tuple[ApiKeyRow, NewKey]:
    owner = active_user(session, username)
    made = new_key()
    row = ApiKeyRow(user_id=owner.id, name=name, prefix=made.prefix, key_hash=made.key_hash)
    session.add(row)
    session.flush()
    return row, made


def revoke_key(session: Session, key_id: str) -> ApiKeyRow:
    """Revoked from now on; revoking a revoked key keeps its first revocation time."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFound(f"API key {key_id} was not found.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row
