"""Admin: GDPR erase of rows from a Delta dataset.

POST /api/admin/datasets/{key}/erase   {"filters": ..., "confirm": false}  preview (200)
                                        {"filters": ..., "confirm": true, "expected_rows": n}
                                        erase what the preview counted (200), 409 if it moved
"""

from __future__ import annotations

from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from backend import audit
from backend.deps import AdminUser, DatasetAdminDep, ServicesDep, SettingsDep, require_admin
from backend.lake.service import Lake
from backend.query.spec import FilterGroup

router = APIRouter(prefix="/admin/datasets", tags=["admin"], dependencies=[Depends(require_admin)])


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filters: FilterGroup
    confirm: bool = False
    expected_rows: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _confirmed_count(self) -> EraseRequest:
        if self.confirm and self.expected_rows is None:
            raise ValueError("confirm needs expected_rows: the row count the preview showed")
        return self


class PartitionRows(BaseModel):
    values: dict[str, Any]
    rows: int


class ErasePreview(BaseModel):
    dataset: str
    version: int
    rows: int
    by_partition: list[PartitionRows]


class EraseDone(BaseModel):
    dataset: str
    erased_rows: int
    version: int
    vacuumed_files: int


@router.post("/{key}/erase", response_model=ErasePreview | EraseDone)
async def erase_rows(
    key: str,
    body: EraseRequest,
    admin: AdminUser,
    services: ServicesDep,
    settings: SettingsDep,
    datasets: DatasetAdminDep,
    request: Request,
) -> ErasePreview | EraseDone:
    """The rows the filter matches in every load, for good: after the erase, files no
    version names are vacuumed and the log is cut, so no version can show them again. The
    audit log records who, the filter and the count, never the erased rows."""
    lake = Lake(services.catalog, services.adapter, settings.erase_retention_hours)
    if not body.confirm:
        seen = await anyio.to_thread.run_sync(lake.preview, key, body.filters)
        parts = [PartitionRows(values=dict(v), rows=n) for v, n in seen.partitions]
        return ErasePreview(dataset=key, version=seen.version, rows=seen.rows, by_partition=parts)
    expected = body.expected_rows or 0
    done = await anyio.to_thread.run_sync(
        lambda: lake.erase(key, body.filters, expected, admin.username, datasets.primary_key(key))
    )
    detail = {"filters": body.filters.model_dump(mode="json"), "rows": done.rows}
    audit.record("dataset.erase", user=admin, request=request, dataset=key, detail=detail)
    return EraseDone(
        dataset=key, erased_rows=done.rows, version=done.version, vacuumed_files=done.vacuumed_files
    )
