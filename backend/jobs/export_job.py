"""The one export job body, run by the in-process pool and by ARQ workers alike.

It runs the spec as the job's owner through `QueryService.stream_export` (the compiler, RLS,
vintage and cost gate of `/api/query`), streams the batches into a writer, and records the
outcome. It is idempotent: a retried job resets its progress and rewrites the file from
scratch, and a job that already finished or was cancelled is left alone.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from adapters.base import AdapterQueryError, QueryCancelledError, UnsafeStatementError
from backend.config import Settings
from backend.dashboards import delivery
from backend.errors import AuroraError, DatabaseError, Forbidden
from backend.exports import ExportCancelled, ExportOptions, ExportWriteError, write_export
from backend.jobs.files import attempt_part, export_path, remove_parts
from backend.jobs.state import JobStore, JobView
from backend.jobs.watch import CancelWatch
from backend.logging_setup import request_id_bound
from backend.query.context import OutputColumn
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.store.engine import Store
from backend.store.models import UserRow

log = logging.getLogger("aurora.exports")

INTERRUPTED = "The export was interrupted by its worker (time limit or shutdown)."
STOPPED = "The export's query was stopped before it finished. Try again."
FAILED = "The export failed on our side; it has been logged. Try again, or tell your administrator."


class ExportQueries(Protocol):
    """What a job needs from `backend.services.queries.QueryService`."""

    def stream_export(
        self, spec: QuerySpec, caller: Any, *, query_id: str | None = None
    ) -> tuple[list[OutputColumn], Iterator[pa.RecordBatch]]: ...

    async def check_export(self, spec: QuerySpec, caller: Any, fmt: str) -> int: ...


@dataclass
class ExportDeps:
    settings: Settings
    store: Store
    queries: ExportQueries
    cancel_query: Callable[[str], object]

    @property
    def jobs(self) -> JobStore:
        return JobStore(self.store)


def load_owner(store: Store, user_id: int) -> User:
    """The job's owner as a caller; a deleted or deactivated owner exports nothing."""
    with store.session() as session:
        row = session.get(UserRow, user_id)
        if row is None or not row.active:
            raise Forbidden("The owner of this export is no longer an active user.")
        return User.from_row(row)


def run_export(
    job_id: str, deps: ExportDeps, *, attempt: int = 1, stop: threading.Event | None = None
) -> str:
    """Run one job to its end and return the status it ended with. Its log lines carry
    `export-<job id>` as their request id."""
    with request_id_bound(f"export-{job_id}"):
        return _run(job_id, deps, attempt, stop or threading.Event())


def _run(job_id: str, deps: ExportDeps, attempt: int, stop: threading.Event) -> str:
    jobs = deps.jobs
    job = jobs.start(job_id, attempt)
    if job is None:
        return "skipped"
    query_id = f"export-{job_id}"
    with CancelWatch(jobs, job_id, stop, lambda: deps.cancel_query(query_id)) as watch:
        try:
            rows = _write(job, deps, query_id, watch)
        except (ExportCancelled, QueryCancelledError) as e:
            if watch.is_set():
                return _stopped(jobs, job_id, attempt, by_user=watch.by_user)
            jobs.finish(job_id, "failed", attempt=attempt, error=_message(job_id, e))
            return "failed"
        except Exception as e:
            jobs.finish(job_id, "failed", attempt=attempt, error=_message(job_id, e))
            return "failed"
    path = export_path(deps.settings, job.id, job.format)
    size = path.stat().st_size if path.is_file() else 0  # for the daily export quota
    values = dict(rows_written=rows, total_rows=rows, bytes_written=size, file_path=str(path))
    jobs.finish(job_id, "done", attempt=attempt, **values)
    return "done"


def _write(job: JobView, deps: ExportDeps, query_id: str, watch: CancelWatch) -> int:
    owner = load_owner(deps.store, job.owner_id)
    final = export_path(deps.settings, job.id, job.format)
    part = attempt_part(final, job.attempts)
    remove_parts(final, keep=part)  # what a killed earlier attempt left behind
    if delivery.is_dashboard_job(job.spec):
        return _write_dashboard(job, deps, owner, part, final, watch)
    spec = QuerySpec.model_validate(job.spec)
    columns, batches = deps.queries.stream_export(spec, owner, query_id=query_id)
    return write_export(
        job.format,  # type: ignore[arg-type]
        paced(batches, deps.settings.export_batch_pause_ms / 1000, watch),
        columns,
        final,
        options=ExportOptions(bom=job.bom),
        on_progress=lambda rows: deps.jobs.progress(job.id, rows, attempt=job.attempts),
        should_cancel=watch.is_set,
        part=part,
    )


def _write_dashboard(
    job: JobView, deps: ExportDeps, owner: User, part: Path, final: Path, watch: CancelWatch
) -> int:
    """A dashboard's workbook (rows written) or PDF (tabs printed) as the job's owner."""
    found = delivery.Delivery.of(deps.settings, deps.store, deps.queries, owner, job.spec)

    def progress(n: int) -> None:
        deps.jobs.progress(job.id, n, attempt=job.attempts)

    if job.format == "pdf":
        done = found.write_pdf(part, progress)
    else:
        done = found.write_xlsx(part, progress, watch.is_set)
    delivery.finish(part, final)
    return done


def paced(
    batches: Iterator[pa.RecordBatch], pause_s: float, watch: CancelWatch
) -> Iterator[pa.RecordBatch]:
    """Yield the batches with a pause after each; the pause ends early on cancel."""
    for batch in batches:
        yield batch
        if pause_s > 0:
            watch.wait(pause_s)


def _stopped(jobs: JobStore, job_id: str, attempt: int, *, by_user: bool) -> str:
    if by_user:
        jobs.finish(job_id, "cancelled", attempt=attempt)
        return "cancelled"
    # Not the user: the worker is shutting down, timed out, or lost its lease to a later
    # attempt (whose job this is now: the fence leaves it alone). Queue it again so an ARQ
    # retry can redo it; if none comes, the runner's reconcile marks it failed.
    jobs.requeue(job_id, INTERRUPTED, attempt=attempt)
    return "interrupted"


def _message(job_id: str, error: Exception) -> str:
    """What the job's owner reads: our own messages as they are; the database's words
    (which can hold row values) and anything unexpected only in the server log, with the
    same friendly text /api/query gives."""
    if isinstance(error, AuroraError | ExportWriteError):
        return str(error)
    if isinstance(error, AdapterQueryError | UnsafeStatementError):
        log.warning("export %s: the database refused a statement: %s", job_id, error)
        return DatabaseError.REFUSED
    if isinstance(error, QueryCancelledError | ExportCancelled):
        log.warning("export %s: its query was stopped: %s", job_id, error)
        return STOPPED
    log.exception("export %s failed", job_id, exc_info=error)
    return FAILED
