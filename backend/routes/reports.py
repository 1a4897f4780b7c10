"""Saved reports. A viewer sees their own and shared ones; another user's private report is
404, as if it did not exist, and so is a report on a dataset the caller may not see (its own
or a joined one): it would show that dataset's key, columns and filter values. Shared
reports are editable by the owner and admins (403 for other viewers); admins may open, edit
and delete any report by id. The list shows the caller's own reports plus shared ones, for
admins too."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from backend import audit
from backend.deps import (
    AuthDep,
    CurrentUser,
    HiddenDatasets,
    SpecValidator,
    SpecValidatorDep,
    require_user,
)
from backend.errors import Forbidden, NotFound
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services import report_views
from backend.services.report_views import ReportKind, View
from backend.store.models import ReportRow, UserRow

router = APIRouter(prefix="/reports", tags=["reports"], dependencies=[Depends(require_user)])


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=5_000)] = ""
    spec: QuerySpec
    shared: bool = False
    kind: ReportKind = "table"
    chart: View | None = None


class ReportOut(BaseModel):
    id: str
    name: str
    description: str
    spec: QuerySpec
    shared: bool
    kind: ReportKind
    chart: View | None
    owner_id: int
    owner: str
    can_edit: bool
    created_at: dt.datetime
    updated_at: dt.datetime


def _out(row: ReportRow, owner: str, user: User) -> ReportOut:
    return ReportOut(
        id=row.id,
        name=row.name,
        description=row.description,
        spec=QuerySpec.model_validate(row.spec),
        shared=row.shared,
        kind=report_views.stored_kind(row.kind),
        chart=report_views.stored(row.chart),
        owner_id=row.owner_id,
        owner=owner,
        can_edit=row.owner_id == user.id or user.is_admin,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _readable(row: ReportRow, user: User, hidden: frozenset[str]) -> bool:
    mine_or_shared = row.owner_id == user.id or row.shared or user.is_admin
    return mine_or_shared and not QuerySpec.model_validate(row.spec).datasets & hidden


def _visible(
    session: Session, report_id: str, user: User, hidden: frozenset[str]
) -> tuple[ReportRow, str]:
    found = session.execute(
        select(ReportRow, UserRow.username)
        .join(UserRow, UserRow.id == ReportRow.owner_id)
        .where(ReportRow.id == report_id)
    ).first()
    if found is None:
        raise NotFound(f"Report {report_id} was not found.")
    row, owner = found.tuple()
    if not _readable(row, user, hidden):
        raise NotFound(f"Report {report_id} was not found.")
    return row, owner


def _editable(
    session: Session, report_id: str, user: User, hidden: frozenset[str]
) -> tuple[ReportRow, str]:
    row, owner = _visible(session, report_id, user, hidden)
    if row.owner_id != user.id and not user.is_admin:
        raise Forbidden("Only the owner or an admin can change a shared report.")
    return row, owner


@router.get("", response_model=list[ReportOut])
def list_reports(user: CurrentUser, auth: AuthDep, hidden: HiddenDatasets) -> list[ReportOut]:
    query = (
        select(ReportRow, UserRow.username)
        .join(UserRow, UserRow.id == ReportRow.owner_id)
        .where(or_(ReportRow.owner_id == user.id, ReportRow.shared.is_(True)))
        .order_by(ReportRow.name, ReportRow.id)
    )
    with auth.store.session() as session:
        rows = session.execute(query).tuples()
        return [_out(row, owner, user) for row, owner in rows if _readable(row, user, hidden)]


@router.post("", response_model=ReportOut, status_code=201)
def create_report(
    body: ReportIn, user: CurrentUser, auth: AuthDep, validate: SpecValidatorDep, request: Request
) -> ReportOut:
    _check(body, user, validate)
    with auth.store.session() as session:
        row = ReportRow(owner_id=user.id, **_fields(body))
        session.add(row)
        session.flush()
        out = _out(row, user.username, user)
    audit.record(
        "report.create",
        user=user,
        request=request,
        dataset=body.spec.dataset,
        detail={"report_id": out.id, "name": out.name, "shared": out.shared},
    )
    return out


@router.get("/{report_id}", response_model=ReportOut)
def get_report(
    report_id: str, user: CurrentUser, auth: AuthDep, hidden: HiddenDatasets
) -> ReportOut:
    with auth.store.session() as session:
        return _out(*_visible(session, report_id, user, hidden), user)


@router.put("/{report_id}", response_model=ReportOut)
def replace_report(
    report_id: str,
    body: ReportIn,
    user: CurrentUser,
    auth: AuthDep,
    validate: SpecValidatorDep,
    hidden: HiddenDatasets,
    request: Request,
) -> ReportOut:
    with auth.store.session() as session:
        row, owner = _editable(session, report_id, user, hidden)
        _check(body, user, validate)
        for name, value in _fields(body).items():
            setattr(row, name, value)
        session.flush()
        out = _out(row, owner, user)
    audit.record(
        "report.update",
        user=user,
        request=request,
        dataset=body.spec.dataset,
        detail={"report_id": report_id, "name": out.name, "shared": out.shared},
    )
    return out


@router.delete("/{report_id}", status_code=204)
def delete_report(
    report_id: str, user: CurrentUser, auth: AuthDep, hidden: HiddenDatasets, request: Request
) -> Response:
    with auth.store.session() as session:
        row, _ = _editable(session, report_id, user, hidden)
        session.delete(row)
    audit.record("report.delete", user=user, request=request, detail={"report_id": report_id})
    return Response(status_code=204)


def _check(body: ReportIn, user: User, validate: SpecValidator) -> None:
    validate(body.spec, user)
    report_views.check(body.kind, body.chart, body.spec)


def _fields(body: ReportIn) -> dict[str, object]:
    return {
        "name": body.name,
        "description": body.description,
        "spec": body.spec.model_dump(mode="json", exclude_defaults=True),
        "shared": body.shared,
        "kind": body.kind,
        "chart": None if body.chart is None else body.chart.model_dump(mode="json"),
    }
