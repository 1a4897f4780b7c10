"""Admin: PostgreSQL sources polled for change data capture.

GET    /api/admin/cdc/sources                 every source with its status and watermark
POST   /api/admin/cdc/sources                 register one (checked against the database)
GET    /api/admin/cdc/sources/{id}            one, with the watermark its dataset has applied
PATCH  /api/admin/cdc/sources/{id}            change it (`url: null` -> CDC_POSTGRES_URL)
DELETE /api/admin/cdc/sources/{id}            stop polling (the dataset stays)
POST   /api/admin/cdc/sources/{id}/run        poll now, answer how it went

A source's URL is write-only: no response holds it, and the audit log records only that
one was given.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.deps import AdminUser, ContextDep, require_admin
from backend.lake.cdc_sources import Registration, SourceInfo

router = APIRouter(prefix="/admin/cdc", tags=["admin"], dependencies=[Depends(require_admin)])

SourceId = Annotated[str, Path(min_length=1, max_length=32)]
Ident = Annotated[str, Field(min_length=1, max_length=63, pattern=r"^[^\x00]+$")]
DatasetKey = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
Interval = Annotated[int, Field(ge=2, le=86_400)]
Url = Annotated[str, Field(min_length=1, max_length=2048, pattern=r"^postgres(ql)?://")]


class SourceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dataset: DatasetKey
    schema_name: Ident = "public"
    table: Ident
    key_column: Ident
    watermark_column: Ident
    deleted_column: Ident | None = None
    interval_s: Interval = 60
    enabled: bool = True
    url: Url | None = Field(default=None, description="Write-only; default CDC_POSTGRES_URL")


class SourcePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    schema_name: Ident | None = None
    table: Ident | None = None
    key_column: Ident | None = None
    watermark_column: Ident | None = None
    deleted_column: Ident | None = None
    interval_s: Interval | None = None
    enabled: bool | None = None
    url: Url | None = None


class SourceOut(BaseModel):
    id: str
    dataset: str
    schema_name: str
    table: str
    key_column: str
    watermark_column: str
    deleted_column: str | None
    interval_s: int
    enabled: bool
    has_own_url: bool
    next_run_at: dt.datetime
    last_run_at: dt.datetime | None
    last_status: str | None
    last_error: str | None
    last_version: int | None
    last_change_at: dt.datetime | None
    last_upserted: int | None = Field(
        default=None, description="Rows the last poll upserted (0: nothing new; null: failed)"
    )
    last_deleted: int | None = Field(default=None, description="Rows the last poll deleted")
    created_at: dt.datetime
    watermark: int | None = Field(
        default=None, description="How far the dataset has applied the source (its Delta log)"
    )
    watermark_text: str | None = Field(
        default=None, description="The watermark as a value of its column (a UTC time or a number)"
    )

    @classmethod
    def of(
        cls, info: SourceInfo, applied: tuple[int | None, str | None] = (None, None)
    ) -> SourceOut:
        reg = info.registration
        return cls(
            id=info.id,
            dataset=reg.dataset,
            schema_name=reg.schema,
            table=reg.table,
            key_column=reg.key_column,
            watermark_column=reg.watermark_column,
            deleted_column=reg.deleted_column,
            interval_s=reg.interval_s,
            enabled=reg.enabled,
            has_own_url=info.has_own_url,
            next_run_at=info.next_run_at,
            last_run_at=info.last_run_at,
            last_status=info.last_status,
            last_error=info.last_error,
            last_version=info.last_version,
            last_change_at=info.last_change_at,
            last_upserted=info.last_upserted,
            last_deleted=info.last_deleted,
            created_at=info.created_at,
            watermark=applied[0],
            watermark_text=applied[1],
        )


_RENAMED = {"schema_name": "schema"}
_NULLABLE = {"deleted_column", "url"}  # null there means none; elsewhere it means unchanged


def _detail(out: SourceOut, url_given: bool) -> dict[str, object]:
    keep = ("id", "dataset", "schema_name", "table", "key_column", "watermark_column")
    return {**{k: getattr(out, k) for k in keep}, "url_given": url_given}


@router.get("/sources", response_model=list[SourceOut])
def list_sources(context: ContextDep) -> list[SourceOut]:
    sources = context.cdc_sources
    return [SourceOut.of(info, sources.applied(info)) for info in sources.all()]


@router.post("/sources", response_model=SourceOut, status_code=201)
async def create_source(
    body: SourceIn, admin: AdminUser, context: ContextDep, request: Request
) -> SourceOut:
    reg = Registration(
        dataset=body.dataset,
        schema=body.schema_name,
        table=body.table,
        key_column=body.key_column,
        watermark_column=body.watermark_column,
        deleted_column=body.deleted_column,
        interval_s=body.interval_s,
        enabled=body.enabled,
        url=body.url,
    )
    info = await anyio.to_thread.run_sync(context.cdc_sources.create, reg, admin.id)
    out = SourceOut.of(info)
    detail = _detail(out, body.url is not None)
    audit.record("cdc_source.create", user=admin, request=request, detail=detail)
    return out


@router.get("/sources/{source_id}", response_model=SourceOut)
def get_source(source_id: SourceId, context: ContextDep) -> SourceOut:
    sources = context.cdc_sources
    info = sources.get(source_id)
    return SourceOut.of(info, sources.applied(info))


@router.patch("/sources/{source_id}", response_model=SourceOut)
async def change_source(
    source_id: SourceId, body: SourcePatch, admin: AdminUser, context: ContextDep, request: Request
) -> SourceOut:
    given = body.model_dump(exclude_unset=True)
    changes = {_RENAMED.get(k, k): v for k, v in given.items() if v is not None or k in _NULLABLE}
    info = await anyio.to_thread.run_sync(context.cdc_sources.update, source_id, changes)
    out = SourceOut.of(info)
    detail = _detail(out, "url" in given)
    audit.record("cdc_source.update", user=admin, request=request, detail=detail)
    return out


@router.delete("/sources/{source_id}", status_code=204)
def delete_source(
    source_id: SourceId, admin: AdminUser, context: ContextDep, request: Request
) -> Response:
    context.cdc_sources.delete(source_id)
    audit.record("cdc_source.delete", user=admin, request=request, detail={"id": source_id})
    return Response(status_code=204)


@router.post("/sources/{source_id}/run", response_model=SourceOut)
async def run_source(
    source_id: SourceId, admin: AdminUser, context: ContextDep, request: Request
) -> SourceOut:
    """Poll now; the answer's last_status, last_error and last_version say how it went."""
    sources = context.cdc_sources
    info, done = await anyio.to_thread.run_sync(sources.run, source_id)
    if done is not None and done.version is not None:
        context.services.catalog.refresh()
    out = SourceOut.of(info, await anyio.to_thread.run_sync(sources.applied, info))
    detail = {"id": source_id, "status": info.last_status, "version": info.last_version}
    audit.record("cdc_source.run", user=admin, request=request, detail=detail)
    return out
