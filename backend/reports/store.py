"""Saved reports in the metadata store, with who may read and change them.

A viewer reads their own and shared reports; another user's private report is not found,
as if it did not exist, and so is a report on a dataset the caller may not see (its own or
a joined one). The owner and admins may change a report (Forbidden for other viewers);
admins may open, change and delete any report by id. Functions take an open session, like
`backend.security.users`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend.errors import Forbidden, NotFound
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.store.models import ReportRow, UserRow

Owned = tuple[ReportRow, str]
"""A report and its owner's user name."""


def readable(row: ReportRow, user: User, hidden: frozenset[str]) -> bool:
    mine_or_shared = row.owner_id == user.id or row.shared or user.is_admin
    return mine_or_shared and not QuerySpec.model_validate(row.spec).datasets & hidden


def listed(session: Session, user: User, hidden: frozenset[str]) -> list[Owned]:
    """The caller's own reports and shared ones (for admins too), by name."""
    query = (
        select(ReportRow, UserRow.username)
        .join(UserRow, UserRow.id == ReportRow.owner_id)
        .where(or_(ReportRow.owner_id == user.id, ReportRow.shared.is_(True)))
        .order_by(ReportRow.name, ReportRow.id)
    )
    return [(r, o) for r, o in session.execute(query).tuples() if readable(r, user, hidden)]


def visible(session: Session, report_id: str, user: User, hidden: frozenset[str]) -> Owned:
    found = session.execute(
        select(ReportRow, UserRow.username)
        .join(UserRow, UserRow.id == ReportRow.owner_id)
        .where(ReportRow.id == report_id)
    ).first()
    if found is None:
        raise NotFound(f"Report {report_id} was not found.")
    row, owner = found.tuple()
    if not readable(row, user, hidden):
        raise NotFound(f"Report {report_id} was not found.")
    return row, owner


def editable(session: Session, report_id: str, user: User, hidden: frozenset[str]) -> Owned:
    row, owner = visible(session, report_id, user, hidden)
    if row.owner_id != user.id and not user.is_admin:
        raise Forbidden("Only the owner or an admin can change a shared report.")
    return row, owner


def create(session: Session, owner: User, fields: dict[str, Any]) -> ReportRow:
    row = ReportRow(owner_id=owner.id, **fields)
    session.add(row)
    session.flush()
    return row


def replace(session: Session, row: ReportRow, fields: dict[str, Any]) -> ReportRow:
    for name, value in fields.items():
        setattr(row, name, value)
    session.flush()
    return row


def delete(session: Session, row: ReportRow) -> None:
    session.delete(row)
