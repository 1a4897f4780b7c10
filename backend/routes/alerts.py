"""Alerts on a saved report's measure: CRUD and the history of checks and firings.

The owner and admins see and change an alert; another viewer's is 404. The history shows
every check with the owner's value, every firing and every send (a failed one with why); a
firing for another person shows their value only to them (it is what their row-level
security allows, not the owner's).
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from backend import audit
from backend.alerts.condition import Condition
from backend.alerts.models import AlertIn
from backend.alerts.store import History
from backend.alerts.tables import AlertRow
from backend.delivery.targets import DeliveryTargets
from backend.deps import AlertsDep, CurrentUser, require_user
from backend.jobs.cron import next_runs
from backend.security.principal import User
from backend.store.base import utcnow

router = APIRouter(prefix="/alerts", tags=["alerts"], dependencies=[Depends(require_user)])


class AlertOut(BaseModel):
    id: str
    owner_id: int
    report_id: str
    name: str
    measure: str
    condition: Condition
    cron: str | None
    timezone: str
    on_new_version: bool
    delivery: DeliveryTargets
    enabled: bool
    stopped_reason: str | None
    next_checks: list[dt.datetime]
    created_at: dt.datetime
    updated_at: dt.datetime


class CheckOut(BaseModel):
    id: str
    seq: int
    trigger: str
    scheduled_for: dt.datetime
    value: float | None
    met: bool | None
    fired: bool
    error: str | None
    finished_at: dt.datetime | None


class FiringOut(BaseModel):
    id: str
    check_id: str
    user: str
    value: float | None
    notified: int
    failed: int
    created_at: dt.datetime


class DeliveryOut(BaseModel):
    """One send of a firing, after its retries (the outbox's `deliveries` row)."""

    id: str
    channel: str
    recipient: str
    status: str
    attempts: int
    error: str | None
    created_at: dt.datetime


class HistoryOut(BaseModel):
    checks: list[CheckOut]
    firings: list[FiringOut]
    deliveries: list[DeliveryOut]


def _out(row: AlertRow) -> AlertOut:
    upcoming = next_runs(row.cron, row.timezone, utcnow()) if row.cron and row.enabled else []
    return AlertOut(
        id=row.id,
        owner_id=row.owner_id,
        report_id=row.report_id,
        name=row.name,
        measure=row.measure,
        condition=Condition(kind=row.condition, threshold=row.threshold),
        cron=row.cron,
        timezone=row.timezone,
        on_new_version=row.on_new_version,
        delivery=DeliveryTargets.model_validate(row.delivery),
        enabled=row.enabled,
        stopped_reason=row.stopped_reason,
        next_checks=upcoming,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _history(history: History, user: User) -> HistoryOut:
    checks = [CheckOut.model_validate(c, from_attributes=True) for c in history.checks]
    firings = [
        FiringOut(
            id=f.id,
            check_id=f.check_id,
            user=username,
            value=f.value if f.user_id == user.id else None,
            notified=f.notified,
            failed=f.failed,
            created_at=f.created_at,
        )
        for f, username in history.firings
    ]
    deliveries = [DeliveryOut.model_validate(d, from_attributes=True) for d in history.deliveries]
    return HistoryOut(checks=checks, firings=firings, deliveries=deliveries)


@router.get("", response_model=list[AlertOut])
def list_alerts(user: CurrentUser, alerts: AlertsDep) -> list[AlertOut]:
    return [_out(row) for row in alerts.visible(user)]


@router.post("", response_model=AlertOut, status_code=201)
def create_alert(body: AlertIn, user: CurrentUser, alerts: AlertsDep, request: Request) -> AlertOut:
    row = alerts.create(user, body)
    audit.record("alert.create", user=user, request=request, detail={"alert_id": row.id})
    return _out(row)


@router.get("/{alert_id}", response_model=AlertOut)
def get_alert(alert_id: str, user: CurrentUser, alerts: AlertsDep) -> AlertOut:
    return _out(alerts.get(alert_id, user))


@router.put("/{alert_id}", response_model=AlertOut)
def replace_alert(
    alert_id: str, body: AlertIn, user: CurrentUser, alerts: AlertsDep, request: Request
) -> AlertOut:
    row = alerts.replace(alert_id, user, body)
    audit.record("alert.update", user=user, request=request, detail={"alert_id": row.id})
    return _out(row)


@router.delete("/{alert_id}", status_code=204)
def delete_alert(alert_id: str, user: CurrentUser, alerts: AlertsDep, request: Request) -> Response:
    alerts.delete(alert_id, user)
    audit.record("alert.delete", user=user, request=request, detail={"alert_id": alert_id})
    return Response(status_code=204)


@router.get("/{alert_id}/history", response_model=HistoryOut)
def alert_history(alert_id: str, user: CurrentUser, alerts: AlertsDep) -> HistoryOut:
    return _history(alerts.history(alert_id, user), user)
