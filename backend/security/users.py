"""User administration rules: unique names, hashed passwords, never zero active admins, and
sessions that end when the account changes.

Deactivation, a new password and a new role bump the user's `token_version`: every login
token issued before is refused from then on (reactivating does not bring them back). API
keys are not tokens: they survive a password or role change and are revoked on
deactivation, since a key is an admin's grant to a job, not a session.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.errors import Conflict, NotFound
from backend.security.passwords import Passwords
from backend.store.base import utcnow
from backend.store.models import ApiKeyRow, UserRow

SNAPSHOT_FIELDS = ("username", "display_name", "role", "attributes", "active")


def snapshot(row: UserRow) -> dict[str, Any]:
    """What the audit log keeps of a user: never the password hash."""
    return {f: getattr(row, f) for f in SNAPSHOT_FIELDS}


def all_users(session: Session) -> list[UserRow]:
    return list(session.scalars(select(UserRow).order_by(UserRow.username)).all())


def active_user(session: Session, username: str) -> UserRow:
    row = session.scalar(select(UserRow).where(UserRow.username == username))
    if row is None or not row.active:
        raise NotFound(f"No active user named '{username}'.")
    return row


def get_user(session: Session, user_id: int) -> UserRow:
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFound(f"User {user_id} was not found.")
    return row


def create_user(session: Session, passwords: Passwords, *, password: str, **fields: Any) -> UserRow:
    if session.scalar(select(UserRow.id).where(UserRow.username == fields["username"])):
        raise Conflict(f"A user named '{fields['username']}' already exists.")
    row = UserRow(password_hash=passwords.hash(password), **fields)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as e:  # a concurrent create with the same name
        raise Conflict(f"A user named '{fields['username']}' already exists.") from e
    return row


def update_user(
    session: Session, passwords: Passwords, row: UserRow, changes: dict[str, Any]
) -> UserRow:
    password = changes.pop("password", None)
    demoted = changes.get("role", row.role) != "admin" or not changes.get("active", row.active)
    if row.role == "admin" and row.active and demoted:
        _keep_an_admin(session, row)
    if password is not None or _ends_sessions(row, changes):
        _end_sessions(row)
    for name, value in changes.items():
        setattr(row, name, value)
    if password is not None:
        row.password_hash = passwords.hash(password)
    if changes.get("active") is False:
        _revoke_keys(session, row.id)
    session.flush()
    return row


def deactivate_user(session: Session, row: UserRow) -> UserRow:
    if row.role == "admin" and row.active:
        _keep_an_admin(session, row)
    row.active = False
    _end_sessions(row)
    _revoke_keys(session, row.id)
    session.flush()
    return row


def _ends_sessions(row: UserRow, changes: dict[str, Any]) -> bool:
    """A new role or a deactivation; display name and attributes apply to live tokens."""
    return changes.get("role", row.role) != row.role or (
        row.active and changes.get("active") is False
    )


def _end_sessions(row: UserRow) -> None:
    row.token_version = (row.token_version or 0) + 1


def _keep_an_admin(session: Session, leaving: UserRow) -> None:
    # FOR UPDATE (PostgreSQL): two admins demoting each other at once cannot both pass;
    # the second waits, then re-reads without the first. SQLite serialises writers anyway.
    admins = session.scalars(
        select(UserRow.id)
        .where(UserRow.role == "admin", UserRow.active.is_(True))
        .with_for_update()
    ).all()
    if not [i for i in admins if i != leaving.id]:
        raise Conflict("This is the last active administrator; make another admin first.")


def _revoke_keys(session: Session, user_id: int) -> None:
    session.execute(
        update(ApiKeyRow)
        .where(ApiKeyRow.user_id == user_id, ApiKeyRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
