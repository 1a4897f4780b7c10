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

from backend import audit
from backend.deps import (
    AuthDep,
    CurrentUser,
    HiddenDatasets,
    SpecValidator,
    SpecValidatorDep,
    require_user,
)
from backend.query.spec import QuerySpec
from backend.reports import store as reports
from backend.security.principal import User
from backend.services import report_views
from backend.services.report_views import ReportKind, View
from backend.store.models import ReportRow

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


@router.get("", response_model=list[ReportOut])
def list_reports(user: CurrentUser, auth: AuthDep, hidden: HiddenDatasets) -> list[ReportOut]:
    with auth.store.session() as session:
        return [_out(row, owner, user) for row, owner in reports.listed(session, user, hidden)]


@router.post("", response_model=ReportOut, status_code=201)
def create_report(
    body: ReportIn, user: CurrentUser, auth: AuthDep, validate: SpecValidatorDep, request: Request
) -> ReportOut:
    _check(body, user, validate)
    with auth.store.session() as session:
        row = reports.create(session, user, _fields(body))
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
        return _out(*reports.visible(session, report_id, user, hidden), user)


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
        row, owner = reports.editable(session, report_id, user, hidden)
        _check(body, user, validate)  # after the 404/403: they say less than a 422
        out = _out(reports.replace(session, row, _fields(body)), owner, user)
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
        row, _ = reports.editable(session, report_id, user, hidden)
        reports.delete(session, row)
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
