"""AG Grid's Server-Side Row Model over a dataset: table, pivot, drill-down and export.

A datasource hands `params.request` to /table (or /pivot in pivot mode with pivot
columns) and passes the answer to `params.success(...)` unchanged. See docs/aggrid.md.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from backend import audit
from backend.aggrid.models import DrilldownRequest, GridExportRequest, GridRequest
from backend.aggrid.service import GridResult
from backend.deps import AgGridDep, CurrentUser, ExportsDep, require_user
from backend.errors import AuroraError
from backend.routes.disconnect import cancel_on_disconnect
from backend.security.principal import User
from backend.services.offload import cells, json_response

router = APIRouter(tags=["aggrid"], dependencies=[Depends(require_user)])


class GridResponse(BaseModel):
    """AG Grid's LoadSuccessParams. `rowCount` is -1 until the last block is reached."""

    rowData: list[dict[str, Any]]  # AG Grid's names (camelCase)
    rowCount: int
    pivotResultFields: list[str] | None = None
    grandTotalData: dict[str, Any] | None = None


class ExportStarted(BaseModel):
    id: str
    status: str


@router.post("/datasets/{key}/table", response_model=GridResponse)
async def table(
    key: str, body: GridRequest, user: CurrentUser, grid: AgGridDep, request: Request
) -> JSONResponse:
    result = await _audited(request, user, key, grid.table(key, body, user), "aggrid.table")
    return await json_response(result.body, cells(result.rowData))


@router.post("/datasets/{key}/pivot", response_model=GridResponse)
async def pivot(
    key: str, body: GridRequest, user: CurrentUser, grid: AgGridDep, request: Request
) -> JSONResponse:
    result = await _audited(request, user, key, grid.pivot(key, body, user), "aggrid.pivot")
    return await json_response(result.body, cells(result.rowData))


@router.post("/datasets/{key}/drilldown", response_model=GridResponse)
async def drilldown(
    key: str, body: DrilldownRequest, user: CurrentUser, grid: AgGridDep, request: Request
) -> JSONResponse:
    work = grid.drilldown(key, body, user)
    result = await _audited(request, user, key, work, "aggrid.drilldown")
    return await json_response(result.body, cells(result.rowData))


@router.post("/datasets/{key}/export", response_model=ExportStarted, status_code=202)
async def grid_export(
    key: str,
    body: GridExportRequest,
    user: CurrentUser,
    grid: AgGridDep,
    exports: ExportsDep,
    request: Request,
) -> ExportStarted:
    """What the grid shows (detail rows, the group level, or the pivot cross-tab), whole,
    as an export job; follow it with GET /api/exports/{id}."""
    spec = await grid.export_spec(key, body, user)
    job = await exports.create(user, spec, body.format, filename=body.filename)
    detail = {"export_id": job.id, "format": body.format, "from": "aggrid"}
    audit.record("export.create", user=user, request=request, dataset=key, detail=detail)
    return ExportStarted(id=job.id, status=job.status)


async def _audited(
    request: Request, user: User, key: str, work: Awaitable[GridResult], action: str
) -> GridResult:
    """One audit row per block, whatever the outcome (like /api/query's)."""
    started = time.perf_counter()
    try:
        result = await cancel_on_disconnect(request, work)
    except AuroraError as e:
        _record(request, user, key, action, started, None, e.code, e.message)
        raise
    _record(request, user, key, action, started, result, "ok", None)
    return result


def _record(
    request: Request,
    user: User,
    key: str,
    action: str,
    started: float,
    result: GridResult | None,
    status: str,
    error: str | None,
) -> None:
    elapsed = (time.perf_counter() - started) * 1000
    if result is not None and result.spec is not None:
        rows = len(result.rowData)
        detail = audit.query_detail(result.spec, rows=rows, elapsed_ms=elapsed, status=status)
    else:
        detail = {"elapsed_ms": round(elapsed, 2), "status": status, "error": error}
    audit.record(action, user=user, dataset=key, request=request, detail=detail)
