"""The export use cases behind the routes: create (limits checked first), status, cancel,
download. Owners only: another user's export is 404, exactly like a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from backend.config import Settings
from backend.dashboards import delivery
from backend.dashboards.models import TileDataIn
from backend.errors import Conflict, NotFound, ServiceBusy
from backend.exports import CONTENT_TYPES, ExportFormat
from backend.jobs.export_job import ExportQueries
from backend.jobs.files import download_name
from backend.jobs.models import ACTIVE
from backend.jobs.quotas import Quotas
from backend.jobs.runner import JobRunner
from backend.jobs.state import JobStore, JobView
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.store.base import utcnow


@dataclass(frozen=True)
class DashboardExport:
    """What a dashboard export names: which one, its file's format, the viewer's filters."""

    dashboard_id: str
    name: str
    format: Literal["xlsx", "pdf"]
    view: TileDataIn
    tabs: int


@dataclass(frozen=True)
class Download:
    path: Path
    filename: str
    content_type: str


@dataclass
class ExportService:
    settings: Settings
    jobs: JobStore
    runner: JobRunner
    queries: ExportQueries

    async def create(
        self,
        user: User,
        spec: QuerySpec,
        fmt: ExportFormat,
        *,
        filename: str | None = None,
        bom: bool = False,
        job_id: str | None = None,
    ) -> JobView:
        """`job_id` makes creating the same export twice create it once (a scheduled run
        restarted after its scheduler died); the second call gets the first's job."""
        if job_id is not None and (existing := self.jobs.get(job_id)) is not None:
            return await self._enqueue(existing)
        Quotas.of(self.settings).check_export(self.jobs, user, utcnow())
        total = await self.queries.check_export(spec, user, fmt)  # 422 before any job
        fields = _job_fields(user, spec, fmt, filename, bom, total)
        if job_id is None:
            job = self.jobs.create(runner=self.runner.name, **fields)
        else:
            job = self.jobs.create_once(job_id, runner=self.runner.name, **fields)
        return await self._enqueue(job)

    async def _enqueue(self, job: JobView) -> JobView:
        if job.status in ACTIVE:
            await self._submit(job.id)  # again for an existing job: a no-op in the queue
        return job

    async def create_for(self, user: User, spec: QuerySpec, fmt: ExportFormat) -> JobView:
        """A scheduled run: no limit check up front; a failure ends up on the job itself."""
        fields = _job_fields(user, spec, fmt, None, False, None)
        job = self.jobs.create(runner=self.runner.name, **fields)
        await self._submit(job.id)
        return job

    async def create_dashboard(
        self, user: User, target: DashboardExport, *, job_id: str | None = None
    ) -> JobView:
        """A dashboard's XLSX or PDF as `user` sees it (the caller checked they may see it;
        the job checks again as it runs). `job_id`: as in `create`, a scheduled run's."""
        if job_id is not None and (existing := self.jobs.get(job_id)) is not None:
            return await self._enqueue(existing)
        if job_id is None:  # a scheduled run is not held back: its failure shows on the run
            Quotas.of(self.settings).check_export(self.jobs, user, utcnow())
        fields = {
            "owner_id": user.id,
            "format": target.format,
            "filename": download_name(None, target.name, target.format, utcnow()),
            "spec": delivery.job_spec(target.dashboard_id, target.view),
            "total_rows": target.tabs if target.format == "pdf" else None,
        }
        if job_id is None:
            job = self.jobs.create(runner=self.runner.name, **fields)
        else:
            job = self.jobs.create_once(job_id, runner=self.runner.name, **fields)
        return await self._enqueue(job)

    async def _submit(self, job_id: str) -> None:
        try:
            await self.runner.submit(job_id)
        except Exception as e:
            self.jobs.fail_stuck(job_id, "The export queue could not be reached.")
            message = "The export queue is not reachable; try again shortly."
            raise ServiceBusy(message, retry_after=30) from e

    async def status(self, job_id: str, user: User) -> JobView:
        self.jobs.owned(job_id, user.id)
        job = await self.runner.status(job_id)
        if job is None:
            raise NotFound(f"Export {job_id} was not found.")
        return job

    async def cancel(self, job_id: str, user: User) -> JobView:
        self.jobs.owned(job_id, user.id)
        job = self.jobs.request_cancel(job_id)
        await self.runner.cancel(job_id)
        return job

    def download(self, job_id: str, user: User) -> Download:
        job = self.jobs.owned(job_id, user.id)
        if job.status != "done":
            raise Conflict(f"Export {job_id} is {job.status}; there is no file to download yet.")
        path = Path(job.file_path or "")
        if not job.file_path or not path.is_file():
            raise NotFound(f"The file of export {job_id} has expired.")
        return Download(path, job.filename, CONTENT_TYPES[job.format])


def _job_fields(
    user: User,
    spec: QuerySpec,
    fmt: str,
    filename: str | None,
    bom: bool,
    total_rows: int | None,
) -> dict[str, Any]:
    return {
        "owner_id": user.id,
        "format": fmt,
        "filename": download_name(filename, spec.dataset, fmt, utcnow()),
        "spec": spec.model_dump(mode="json", exclude_defaults=True),
        "bom": bom,
        "total_rows": total_rows,
    }
