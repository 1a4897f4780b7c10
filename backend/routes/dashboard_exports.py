"""A dashboard as a file, made by an export job: `POST /api/dashboards/{id}/exports` with
the viewer's filters starts the XLSX workbook or the PDF; the job is then followed and
downloaded like any export (`GET /api/exports/{id}`, `.../download`). 404 for a dashboard
the caller may not see, like backend.routes.dashboards."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from backend import audit
from backend.dashboards import tiles
from backend.dashboards.models import CrossFilter, FilterValue, TileDataIn
from backend.deps import CurrentUser, ExportsDep, VisibleDashboard, require_user
from backend.jobs.service import DashboardExport
from backend.routes.exports import ExportCreated

router = APIRouter(prefix="/dashboards", tags=["dashboards"], dependencies=[Depends(require_user)])


class DashboardExportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["xlsx", "pdf"]
    filters: Annotated[dict[str, FilterValue], Field(max_length=20)] = {}
    cross: Annotated[list[CrossFilter], Field(max_length=10)] = []


@router.post("/{dashboard_id}/exports", response_model=ExportCreated, status_code=202)
async def export_dashboard(
    dashboard_id: Annotated[str, Path(max_length=32)],
    body: DashboardExportIn,
    doc: VisibleDashboard,
    user: CurrentUser,
    exports: ExportsDep,
    request: Request,
) -> ExportCreated:
    """Starts the file; unknown filters and values of the wrong type are 422 here, before
    any job, as the tile data route answers them."""
    view = TileDataIn(filters=body.filters, cross=body.cross)
    tiles.values(doc, view)
    target = DashboardExport(dashboard_id, doc.name, body.format, view, len(doc.tabs))
    job = await exports.create_dashboard(user, target)
    detail = {"export_id": job.id, "format": body.format, "dashboard_id": dashboard_id}
    audit.record("dashboard.export", user=user, request=request, detail=detail)
    return ExportCreated(id=job.id, status=job.status)
