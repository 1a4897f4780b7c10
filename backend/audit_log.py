"""Reading the audit log that `backend.audit` writes: filtered pages, newest first, and the
recent details of one action. Functions take an open session, like `backend.security.users`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from backend.store.models import AuditRow


@dataclass(frozen=True)
class AuditFilter:
    user: str | None = None
    action: str | None = None  # "login" matches login.success, login.failure, ...
    since: dt.datetime | None = None  # inclusive
    until: dt.datetime | None = None  # exclusive

    def apply(self, query: Select[Any]) -> Select[Any]:
        if self.user:
            query = query.where(AuditRow.username == self.user)
        if self.action:
            prefix = AuditRow.action.startswith(f"{self.action}.", autoescape=True)
            query = query.where(or_(AuditRow.action == self.action, prefix))
        if self.since is not None:
            query = query.where(AuditRow.at >= self.since)
        if self.until is not None:
            query = query.where(AuditRow.at < self.until)
        return query


def page(
    session: Session, where: AuditFilter, number: int, size: int
) -> tuple[int, list[AuditRow]]:
    """The total that match, and page `number` (from 1) of `size` rows, newest first."""
    total = session.scalar(where.apply(select(func.count()).select_from(AuditRow))) or 0
    rows = (
        where.apply(select(AuditRow))
        .order_by(AuditRow.at.desc(), AuditRow.id.desc())
        .offset((number - 1) * size)
        .limit(size)
    )
    return total, list(session.scalars(rows))


def recent_details(session: Session, action: str, limit: int) -> list[Any]:
    """The details of the newest `limit` rows of `action`."""
    query = (
        select(AuditRow.detail)
        .where(AuditRow.action == action)
        .order_by(AuditRow.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query).all())
