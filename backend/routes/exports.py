"""Exports: start one (limits refused up front), follow it, download it, cancel it.

Only the owner sees an export; for anyone else it does not exist (404).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.deps import CurrentUser, ExportsDep, require_user
from backend.jobs.models import FINISHED, MAX_ATTEMPTS
from backend.jobs.state import JobView
from backend.query.spec import QuerySpec

router = APIRouter(prefix="/exports", tags=["exports"], dependencies=[Depends(require_user)])

CANCEL_WAIT_S = 2.5


class ExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: QuerySpec
    format: Literal["csv", "xlsx", "parquet"]
    filename: Annotated[str, Field(max_length=200)] | None = None
    bom: bool = False


class ExportCreated(BaseModel):
    id: str
    status: str


class ExportOut(BaseModel):
    id: str
    status: str
    format: str
    filename: str
    rows_written: int
    total_rows: int | None
    error: str | None
    download_url: str | None
    created_at: dt.datetime
    finished_at: dt.datetime | None
    attempt: int = Field(description="The attempt running, about to run, or that ended it")
    max_attempts: int
    restarting: bool = Field(
        description="The last attempt's worker stopped; the job waits for another worker"
    )


def _attempt(job: JobView) -> int:
    return job.attempts + 1 if job.status == "queued" else max(job.attempts, 1)


def _out(job: JobView) -> ExportOut:
    ready = job.status == "done" and job.file_path is not None
    return ExportOut(
        attempt=_attempt(job),
        max_attempts=MAX_ATTEMPTS.get(job.runner, 1),
        restarting=job.restarting,
        id=job.id,
        status=job.status,
        format=job.format,
        filename=job.filename,
        rows_written=job.rows_written,
        total_rows=job.total_rows,
        error=job.error,
        download_url=f"/api/exports/{job.id}/download" if ready else None,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def content_disposition(filename: str) -> str:
    """A plain ASCII `filename` for old clients plus the exact UTF-8 `filename*` (RFC 6266)."""
    ascii_name = "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=utf-8''{quote(filename)}"


@router.post("", response_model=ExportCreated, status_code=202)
async def create_export(
    body: ExportIn, user: CurrentUser, exports: ExportsDep, request: Request
) -> ExportCreated:
    job = await exports.create(user, body.query, body.format, filename=body.filename, bom=body.bom)
    detail = {"export_id": job.id, "format": body.format}
    dataset = body.query.dataset
    audit.record("export.create", user=user, request=request, dataset=dataset, detail=detail)
    return ExportCreated(id=job.id, status=job.status)


@router.get("", response_model=list[ExportOut])
def list_exports(user: CurrentUser, exports: ExportsDep) -> list[ExportOut]:
    return [_out(job) for job in exports.jobs.recent(user.id)]


@router.get("/{export_id}", response_model=ExportOut)
async def get_export(export_id: str, user: CurrentUser, exports: ExportsDep) -> ExportOut:
    return _out(await exports.status(export_id, user))


@router.get("/{export_id}/download")
def download_export(
    export_id: str, user: CurrentUser, exports: ExportsDep, request: Request
) -> FileResponse:
    file = exports.download(export_id, user)
    audit.record("export.download", user=user, request=request, detail={"export_id": export_id})
    headers = {"Content-Disposition": content_disposition(file.filename)}
    return FileResponse(file.path, media_type=file.content_type, headers=headers)


@router.delete("/{export_id}", response_model=ExportOut)
async def cancel_export(export_id: str, user: CurrentUser, exports: ExportsDep) -> ExportOut:
    """Cancels, then waits briefly so the answer usually shows the job already stopped."""
    job = await exports.cancel(export_id, user)
    deadline = time.monotonic() + CANCEL_WAIT_S
    while job.status not in FINISHED and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
        job = await exports.status(export_id, user)
    return _out(job)
