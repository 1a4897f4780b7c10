"""Admin: maintenance of a Delta dataset, run off the request path.

POST /api/admin/datasets/{key}/maintenance  {"action": "optimize"}                202 a job
                                            {"action": "optimize", "zorder": true}
                                            {"action": "vacuum", "retention_hours": 0}
GET  /api/admin/maintenance/{job_id}        the job: queued, running, done (its report), failed
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from backend import audit, audit_log
from backend.catalog.catalog import Catalog
from backend.deps import AdminUser, AuthDep, ContextDep, SettingsDep, require_admin
from backend.errors import BadRequest, NotFound
from backend.lake import maintenance
from backend.lake.jobs import MaintenanceJob
from backend.services.usage import column_usage, most_used
from backend.store.engine import Store

ADVICE_QUERIES = 10_000  # the advice endpoint's default window of recent queries

router = APIRouter(prefix="/admin", tags=["admin"], dependencies=[Depends(require_admin)])


class MaintenanceRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["optimize", "vacuum"]
    retention_hours: float | None = Field(default=None, ge=0, le=24 * 3650)
    # Optimize only: Z-order on the columns the indexing advice names most.
    zorder: bool = False


class MaintenanceReport(BaseModel):
    version: int
    files_before: int
    bytes_before: int
    files_after: int
    bytes_after: int
    zorder: list[str]


class MaintenanceJobView(BaseModel):
    job_id: str
    dataset: str
    action: str
    status: Literal["queued", "running", "done", "failed"]
    queued_at: datetime
    finished_at: datetime | None
    report: MaintenanceReport | None
    error: str | None


def _view(job: MaintenanceJob) -> MaintenanceJobView:
    report = None
    if job.report is not None:
        report = MaintenanceReport(**{**vars(job.report), "zorder": list(job.report.zorder)})
    return MaintenanceJobView(
        job_id=job.id,
        dataset=job.dataset,
        action=job.action,
        status=job.status,
        queued_at=job.queued_at,
        finished_at=job.finished_at,
        report=report,
        error=job.error,
    )


@router.post("/datasets/{key}/maintenance", response_model=MaintenanceJobView, status_code=202)
def start_maintenance(
    key: str,
    body: MaintenanceRequest,
    admin: AdminUser,
    auth: AuthDep,
    context: ContextDep,
    settings: SettingsDep,
    request: Request,
) -> MaintenanceJobView:
    """Queue a compaction (Z-ordered with `zorder`) or a vacuum (`retention_hours`, default
    VACUUM_RETENTION_HOURS) of the Delta dataset `key`; follow it with
    GET /api/admin/maintenance/{job_id}."""
    catalog = context.services.catalog
    catalog.get(key)  # 404 for a dataset that does not exist
    folder = catalog.versioned_folder(key)
    if folder is None:
        raise BadRequest(f"Dataset '{key}' is not a Delta table: only Delta tables are maintained.")
    hours = (
        settings.vacuum_retention_hours if body.retention_hours is None else body.retention_hours
    )
    if body.zorder and body.action != "optimize":
        raise BadRequest("zorder goes with the optimize action only.")
    columns = _zorder_columns(auth.store, catalog, key, folder) if body.zorder else []
    # a keyed dataset's Z-order keeps its newest keys apart (backend.lake.layout)
    primary_key = context.services.datasets.primary_key(key) if columns else ()

    def work() -> maintenance.Report:
        try:
            if columns:
                return maintenance.zorder(folder, columns, user=admin.username, key=primary_key)
            if body.action == "optimize":
                return maintenance.optimize(folder, user=admin.username)
            return maintenance.vacuum(folder, retention_hours=hours, user=admin.username)
        finally:  # vacuumed files may be gone from under the past versions' views
            if body.action == "vacuum":
                catalog.forget_versions(key)
            catalog.refresh()

    job = context.maintenance.submit(key, body.action, work)
    detail = {
        "action": body.action,
        **({"retention_hours": hours} if body.action == "vacuum" else {}),
        **({"zorder": columns} if columns else {}),
    }
    audit.record(f"dataset.{body.action}", user=admin, request=request, dataset=key, detail=detail)
    return _view(job)


def _zorder_columns(store: Store, catalog: Catalog, key: str, folder: Path) -> list[str]:
    """The columns the indexing advice names most (filter and join uses in the recent audit
    log), partition columns left out; BadRequest when no query used any."""
    with store.session() as session:
        details = audit_log.recent_details(session, "query.run", ADVICE_QUERIES)
    parts = set(maintenance.partition_columns(folder))
    names = [c.name for c in catalog.get(key).columns if c.name not in parts]
    found = most_used(column_usage(details, key), names, maintenance.ZORDER_MAX_COLUMNS)
    if not found:
        raise BadRequest(
            f"No query has filtered or joined '{key}' on a column yet, so there is nothing "
            f"to Z-order on (see GET /api/admin/datasets/{key}/advice)."
        )
    return found


@router.get("/maintenance/{job_id}", response_model=MaintenanceJobView)
def maintenance_job(job_id: str, context: ContextDep) -> MaintenanceJobView:
    job = context.maintenance.get(job_id)
    if job is None:
        raise NotFound(f"Maintenance job '{job_id}' was not found.")
    return _view(job)
