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
from typing import Any, Protocol

import pyarrow as pa

from adapters.base import QueryCancelledError
from backend.config import Settings
from backend.errors import AuroraError, Forbidden
from backend.exports import ExportCancelled, ExportOptions, ExportWriteError, write_export
from backend.jobs.files import export_path
from backend.jobs.state import JobStore, JobView
from backend.jobs.watch import CancelWatch
from backend.query.context import OutputColumn
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.store.engine import Store
from backend.store.models import UserRow

log = logging.getLogger("aurora.exports")

INTERRUPTED = "The export was interrupted by its worker (time limit or shutdown)."


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
    """Run one job to its end and return the status it ended with."""
    jobs = deps.jobs
    job = jobs.start(job_id, attempt)
    if job is None:
        return "skipped"
    query_id = f"export-{job_id}"
    stop = stop or threading.Event()
    with CancelWatch(jobs, job_id, stop, lambda: deps.cancel_query(query_id)) as watch:
        try:
            rows = _write(job, deps, query_id, watch)
        except (ExportCancelled, QueryCancelledError) as e:
            if watch.is_set():
                return _stopped(jobs, job_id, by_user=watch.by_user)
            jobs.finish(job_id, "failed", error=_message(e))
            return "failed"
        except Exception as e:
            jobs.finish(job_id, "failed", error=_message(e))
            return "failed"
    path = export_path(deps.settings, job.id, job.format)
    jobs.finish(job_id, "done", rows_written=rows, total_rows=rows, file_path=str(path))
    return "done"


def _write(job: JobView, deps: ExportDeps, query_id: str, watch: CancelWatch) -> int:
    spec = QuerySpec.model_validate(job.spec)
    owner = load_owner(deps.store, job.owner_id)
    columns, batches = deps.queries.stream_export(spec, owner, query_id=query_id)
    return write_export(
        job.format,  # type: ignore[arg-type]
        paced(batches, deps.settings.export_batch_pause_ms / 1000, watch),
        columns,
        export_path(deps.settings, job.id, job.format),
        options=ExportOptions(bom=job.bom),
        on_progress=lambda rows: deps.jobs.progress(job.id, rows),
        should_cancel=watch.is_set,
    )


def paced(
    batches: Iterator[pa.RecordBatch], pause_s: float, watch: CancelWatch
) -> Iterator[pa.RecordBatch]:
    """Yield the batches with a pause after each; the pause ends early on cancel."""
    for batch in batches:
        yield batch
        if pause_s > 0:
            watch.wait(pause_s)


def _stopped(jobs: JobStore, job_id: str, *, by_user: bool) -> str:
    if by_user:
        jobs.finish(job_id, "cancelled")
        return "cancelled"
    # Not the user: the worker is shutting down or timed out. Queue it again so an ARQ
    # retry can redo it; if none comes, the runner's reconcile marks it failed.
    jobs.requeue(job_id, INTERRUPTED)
    return "interrupted"


def _message(error: Exception) -> str:
    if isinstance(error, AuroraError | ExportWriteError):
        return str(error)
    log.exception("export failed", exc_info=error)
    return f"The export failed: {type(error).__name__}: {error}"
