"""Admin: read the audit log, newest first, filtered by user, action and time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import Select, func, or_, select

from backend.deps import AuthDep, require_admin
from backend.errors import BadRequest
from backend.store.models import AuditRow

router = APIRouter(prefix="/admin/audit", tags=["admin"], dependencies=[Depends(require_admin)])


class AuditEntry(BaseModel):
    id: int
    at: dt.datetime
    user_id: int | None
    username: str | None
    action: str
    dataset: str | None
    detail: dict[str, Any]
    client_addr: str | None
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditEntry]
    page: int
    page_size: int
    total: int


def _aware(value: dt.datetime | None, name: str) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        raise BadRequest(f"'{name}' needs a time zone, e.g. 2024-06-01T00:00:00Z")
    return value


def _filtered(
    query: Select[Any], user: str | None, action: str | None, since: Any, until: Any
) -> Select[Any]:
    if user:
        query = query.where(AuditRow.username == user)
    if action:
        # "login" matches login.success, login.failure, ...; "login.success" only itself.
        query = query.where(
            or_(
                AuditRow.action == action, AuditRow.action.startswith(f"{action}.", autoescape=True)
            )
        )
    if since is not None:
        query = query.where(AuditRow.at >= since)
    if until is not None:
        query = query.where(AuditRow.at < until)
    return query


@router.get("", response_model=AuditPage)
def read_audit(
    auth: AuthDep,
    user: Annotated[str | None, Query(max_length=64, description="user name")] = None,
    action: Annotated[str | None, Query(max_length=64, description="action or prefix")] = None,
    since: Annotated[dt.datetime | None, Query(description="from, inclusive (ISO 8601)")] = None,
    until: Annotated[dt.datetime | None, Query(description="to, exclusive (ISO 8601)")] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=500)] = 50,
) -> AuditPage:
    since, until = _aware(since, "since"), _aware(until, "until")
    rows_q = _filtered(select(AuditRow), user, action, since, until)
    count_q = _filtered(select(func.count()).select_from(AuditRow), user, action, since, until)
    rows_q = rows_q.order_by(AuditRow.at.desc(), AuditRow.id.desc())
    rows_q = rows_q.offset((page - 1) * page_size).limit(page_size)
    with auth.store.session() as session:
        total = session.scalar(count_q) or 0
        items = [
            AuditEntry.model_validate(r, from_attributes=True) for r in session.scalars(rows_q)
        ]
    return AuditPage(items=items, page=page, page_size=page_size, total=total)
