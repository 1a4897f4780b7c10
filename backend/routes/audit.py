"""Admin: read the audit log, newest first, filtered by user, action and time."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from backend import audit_log
from backend.audit_log import AuditFilter
from backend.deps import AuthDep, require_admin
from backend.errors import BadRequest

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
    where = AuditFilter(user, action, _aware(since, "since"), _aware(until, "until"))
    with auth.store.session() as session:
        total, rows = audit_log.page(session, where, page, page_size)
        items = [AuditEntry.model_validate(r, from_attributes=True) for r in rows]
    return AuditPage(items=items, page=page, page_size=page_size, total=total)
