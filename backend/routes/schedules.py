"""Scheduled exports of saved reports: CRUD, the next three run times, and the run history."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.deps import CurrentUser, SchedulesDep, require_user
from backend.jobs.cron import next_runs
from backend.jobs.models import ScheduleRow
from backend.jobs.schedules import ScheduleFields
from backend.store.base import utcnow

router = APIRouter(prefix="/schedules", tags=["schedules"], dependencies=[Depends(require_user)])


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    report_id: Annotated[str, Field(min_length=1, max_length=32)]
    cron: Annotated[str, Field(min_length=1, max_length=100)]
    format: Literal["csv", "xlsx", "parquet"] = "csv"
    enabled: bool = True
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"


class ScheduleOut(BaseModel):
    id: str
    report_id: str
    owner_id: int
    cron: str
    timezone: str
    format: str
    enabled: bool
    next_runs: list[dt.datetime]
    created_at: dt.datetime
    updated_at: dt.datetime


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
        owner_id=row.owner_id,
        cron=row.cron,
        timezone=row.timezone,
        format=row.format,
        enabled=row.enabled,
        next_runs=upcoming,
        created_at=row.created_at,
        updated_at=row.updated_at,
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
    return ScheduleFields(body.report_id, body.cron, body.format, body.enabled, body.timezone)


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
