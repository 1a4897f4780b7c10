"""Scheduled exports of saved reports and dashboards: CRUD, the next three run times, and the
run history. A report is delivered as CSV, XLSX or Parquet; a dashboard as its XLSX workbook
or its PDF, made as the schedule's owner (their RLS) with every filter at its default."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend import audit
from backend.delivery.history import deliveries_of
from backend.delivery.targets import DeliveryTargets
from backend.deps import ContextDep, CurrentUser, SchedulesDep, require_user
from backend.jobs.cron import next_runs
from backend.jobs.models import ScheduleRow
from backend.jobs.schedules import ScheduleFields
from backend.store.base import utcnow

router = APIRouter(prefix="/schedules", tags=["schedules"], dependencies=[Depends(require_user)])


TargetId = Annotated[str, Field(min_length=1, max_length=32)]
REPORT_FORMATS = ("csv", "xlsx", "parquet")
DASHBOARD_FORMATS = ("xlsx", "pdf")


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_id: TargetId | None = None
    dashboard_id: TargetId | None = None
    cron: Annotated[str, Field(min_length=1, max_length=100)]
    format: Literal["csv", "xlsx", "parquet", "pdf"] = "csv"
    enabled: bool = True
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
    delivery: DeliveryTargets | None = Field(
        None,
        description="Who each run is sent to (docs/delivery.md); each user as their RLS allows",
    )

    @model_validator(mode="after")
    def _one_target(self) -> ScheduleIn:
        if (self.report_id is None) == (self.dashboard_id is None):
            raise ValueError("give exactly one of report_id and dashboard_id")
        allowed = REPORT_FORMATS if self.dashboard_id is None else DASHBOARD_FORMATS
        if self.format not in allowed:
            what = "a report" if self.dashboard_id is None else "a dashboard"
            raise ValueError(f"{what} is delivered as {' or '.join(allowed)}, not {self.format}")
        return self


class ScheduleOut(BaseModel):
    id: str
    report_id: str | None
    dashboard_id: str | None
    owner_id: int
    cron: str
    timezone: str
    format: str
    enabled: bool
    next_runs: list[dt.datetime]
    created_at: dt.datetime
    updated_at: dt.datetime
    delivery: DeliveryTargets | None = None


class RunOut(BaseModel):
    id: str
    scheduled_for: dt.datetime
    status: str
    export_id: str | None
    rows_written: int | None
    error: str | None
    download_url: str | None
    attempts: int | None = Field(None, description="Attempts its export took (workers died)")


def _out(row: ScheduleRow) -> ScheduleOut:
    upcoming = next_runs(row.cron, row.timezone, utcnow()) if row.enabled else []
    return ScheduleOut(
        id=row.id,
        report_id=row.report_id,
        dashboard_id=row.dashboard_id,
        owner_id=row.owner_id,
        cron=row.cron,
        timezone=row.timezone,
        format=row.format,
        enabled=row.enabled,
        next_runs=upcoming,
        created_at=row.created_at,
        updated_at=row.updated_at,
        delivery=DeliveryTargets.model_validate(row.delivery) if row.delivery else None,
    )


def _run(run: Any, job: Any) -> RunOut:
    done = job is not None and job.status == "done" and job.file_path is not None
    return RunOut(
        id=run.id,
        scheduled_for=run.scheduled_for,
        status=job.status if job is not None else ("failed" if run.error else "queued"),
        export_id=run.job_id,
        rows_written=job.rows_written if job is not None else None,
        error=run.error or (job.error if job is not None else None),
        download_url=f"/api/exports/{job.id}/download" if done else None,
        attempts=job.attempts if job is not None else None,
    )


def _fields(body: ScheduleIn) -> ScheduleFields:
    delivery = body.delivery.model_dump(mode="json") if body.delivery is not None else None
    return ScheduleFields(
        body.report_id,
        body.cron,
        body.format,
        body.enabled,
        body.timezone,
        body.dashboard_id,
        delivery,
    )


@router.get("", response_model=list[ScheduleOut])
def list_schedules(user: CurrentUser, schedules: SchedulesDep) -> list[ScheduleOut]:
    return [_out(row) for row in schedules.visible(user)]


@router.post("", response_model=ScheduleOut, status_code=201)
def create_schedule(
    body: ScheduleIn, user: CurrentUser, schedules: SchedulesDep, request: Request
) -> ScheduleOut:
    row = schedules.create(user, _fields(body))
    audit.record("schedule.create", user=user, request=request, detail={"schedule_id": row.id})
    return _out(row)


@router.get("/{schedule_id}", response_model=ScheduleOut)
def get_schedule(schedule_id: str, user: CurrentUser, schedules: SchedulesDep) -> ScheduleOut:
    return _out(schedules.get(schedule_id, user))


@router.put("/{schedule_id}", response_model=ScheduleOut)
def replace_schedule(
    schedule_id: str,
    body: ScheduleIn,
    user: CurrentUser,
    schedules: SchedulesDep,
    request: Request,
) -> ScheduleOut:
    row = schedules.replace(schedule_id, user, _fields(body))
    audit.record("schedule.update", user=user, request=request, detail={"schedule_id": row.id})
    return _out(row)


@router.delete("/{schedule_id}", status_code=204)
def delete_schedule(
    schedule_id: str, user: CurrentUser, schedules: SchedulesDep, request: Request
) -> Response:
    schedules.delete(schedule_id, user)
    audit.record("schedule.delete", user=user, request=request, detail={"schedule_id": schedule_id})
    return Response(status_code=204)


@router.get("/{schedule_id}/runs", response_model=list[RunOut])
def list_runs(schedule_id: str, user: CurrentUser, schedules: SchedulesDep) -> list[RunOut]:
    return [_run(run, job) for run, job in schedules.runs(schedule_id, user)]


class DeliveryOut(BaseModel):
    id: str
    run_id: str
    channel: str
    recipient: str
    status: str = Field(description="sending, sent or failed")
    attempts: int
    error: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


@router.get("/{schedule_id}/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    schedule_id: str, user: CurrentUser, schedules: SchedulesDep, context: ContextDep
) -> list[DeliveryOut]:
    """Every send of the schedule's recent runs, newest first: who, over what, how it went."""
    run_ids = [run.id for run, _ in schedules.runs(schedule_id, user)]
    return [
        DeliveryOut(
            id=row.id,
            run_id=row.source_id,
            channel=row.channel,
            recipient=row.recipient,
            status=row.status,
            attempts=row.attempts,
            error=row.error,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )
        for row in deliveries_of(context.store, "schedule", run_ids)
    ]
