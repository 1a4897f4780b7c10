"""Export job state in the metadata store: the one record the API, the in-process pool and
ARQ workers all read and write. Every function opens its own short transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from backend.errors import NotFound
from backend.jobs.models import ACTIVE, ExportJobRow
from backend.store.base import utcnow
from backend.store.engine import Store


@dataclass(frozen=True)
class JobView:
    """A detached snapshot of one job row."""

    id: str
    owner_id: int
    status: str
    format: str
    filename: str
    spec: dict[str, Any]
    bom: bool
    runner: str
    rows_written: int
    total_rows: int | None
    error: str | None
    file_path: str | None
    cancel_requested: bool
    attempts: int
    created_at: dt.datetime
    heartbeat_at: dt.datetime | None
    finished_at: dt.datetime | None
    # Not a column: the runner's word that the last attempt's lease lapsed and the job waits
    # for another worker (`attempts` then already counts that next attempt).
    restarting: bool = False

    @classmethod
    def of(cls, row: ExportJobRow) -> JobView:
        names = [name for name in cls.__dataclass_fields__ if name != "restarting"]
        return cls(**{name: getattr(row, name) for name in names})


class JobStore:
    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, **fields: Any) -> JobView:
        with self.store.session() as session:
            row = ExportJobRow(**fields)
            session.add(row)
            session.flush()
            return JobView.of(row)

    def create_once(self, job_id: str, **fields: Any) -> JobView:
        """Create job `job_id`, or return it as it is when it exists already."""
        try:
            return self.create(id=job_id, **fields)
        except IntegrityError:
            job = self.get(job_id)
            if job is None:
                raise
            return job

    def get(self, job_id: str) -> JobView | None:
        with self.store.session() as session:
            row = session.get(ExportJobRow, job_id)
            return None if row is None else JobView.of(row)

    def active_count(self, owner_id: int) -> int:
        """The owner's exports queued or running."""
        with self.store.session() as session:
            query = select(func.count()).where(
                ExportJobRow.owner_id == owner_id, ExportJobRow.status.in_(ACTIVE)
            )
            return int(session.scalar(query) or 0)

    def bytes_since(self, owner_id: int, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        """Bytes the owner's exports finished since `since` wrote, and the first such finish."""
        with self.store.session() as session:
            query = select(
                func.coalesce(func.sum(ExportJobRow.bytes_written), 0),
                func.min(ExportJobRow.finished_at),
            ).where(
                ExportJobRow.owner_id == owner_id,
                ExportJobRow.finished_at >= since,
                ExportJobRow.bytes_written > 0,
            )
            total, first = session.execute(query).one()
            return int(total), first

    def owned(self, job_id: str, owner_id: int) -> JobView:
        """The job if `owner_id` owns it; anyone else's job looks exactly like a missing one."""
        job = self.get(job_id)
        if job is None or job.owner_id != owner_id:
            raise NotFound(f"Export {job_id} was not found.")
        return job

    def recent(self, owner_id: int, limit: int = 50) -> list[JobView]:
        with self.store.session() as session:
            rows = session.scalars(
                select(ExportJobRow)
                .where(ExportJobRow.owner_id == owner_id)
                .order_by(ExportJobRow.created_at.desc())
                .limit(limit)
            )
            return [JobView.of(row) for row in rows]

    def start(self, job_id: str, attempt: int) -> JobView | None:
        """Mark a queued (or retried) job running; None when it was cancelled or finished."""
        now = utcnow()
        values = dict(status="running", attempts=attempt, started_at=now, heartbeat_at=now)
        values |= dict(rows_written=0, error=None, file_path=None)
        with self.store.session() as session:
            result = session.execute(
                update(ExportJobRow)
                .where(
                    ExportJobRow.id == job_id,
                    ExportJobRow.status.in_(ACTIVE),
                    ExportJobRow.cancel_requested.is_(False),
                )
                .values(**values)
            )
            if result.rowcount == 0:  # type: ignore[attr-defined]
                self._settle_cancelled(session, job_id)
                return None
            row = session.get(ExportJobRow, job_id)
            return None if row is None else JobView.of(row)

    def progress(
        self, job_id: str, rows: int, total: int | None = None, *, attempt: int | None = None
    ) -> None:
        values: dict[str, Any] = {"rows_written": rows, "heartbeat_at": utcnow()}
        if total is not None:
            values["total_rows"] = total
        with self.store.session() as session:
            session.execute(
                update(ExportJobRow)
                .where(ExportJobRow.id == job_id, ExportJobRow.status == "running")
                .where(*_fence(attempt))
                .values(**values)
            )

    def finish(
        self, job_id: str, status: str, *, attempt: int | None = None, **values: Any
    ) -> None:
        """Record the end of a run; a job already finished (e.g. cancelled) stays as it is,
        and so does one a later attempt has taken over (`attempt` given)."""
        with self.store.session() as session:
            session.execute(
                update(ExportJobRow)
                .where(ExportJobRow.id == job_id, ExportJobRow.status.in_(ACTIVE))
                .where(*_fence(attempt))
                .values(status=status, finished_at=utcnow(), **values)
            )

    def requeue(self, job_id: str, reason: str, *, attempt: int | None = None) -> None:
        """Back to queued after an interruption that was not a cancel; the file is redone."""
        with self.store.session() as session:
            session.execute(
                update(ExportJobRow)
                .where(ExportJobRow.id == job_id, ExportJobRow.status == "running")
                .where(*_fence(attempt))
                .values(status="queued", error=reason, rows_written=0)
            )

    def renew(self, job_id: str, attempt: int) -> bool:
        """A lease heartbeat of `attempt`: record it while that attempt runs the job; False
        once a later attempt has started (this one's lease lapsed and the job moved on)."""
        with self.store.session() as session:
            session.execute(
                update(ExportJobRow)
                .where(ExportJobRow.id == job_id, ExportJobRow.status == "running")
                .where(*_fence(attempt))
                .values(heartbeat_at=utcnow())
            )
            latest = session.scalar(select(ExportJobRow.attempts).where(ExportJobRow.id == job_id))
            return latest is not None and latest <= attempt

    def fail_stuck(self, job_id: str, reason: str) -> None:
        """A job its runner gave up on (ARQ out of tries) but that still looks active."""
        self.finish(job_id, "failed", error=reason)

    def request_cancel(self, job_id: str) -> JobView:
        """Flag the job; a queued one is cancelled at once, a running one by its worker."""
        with self.store.session() as session:
            session.execute(
                update(ExportJobRow)
                .where(ExportJobRow.id == job_id, ExportJobRow.status.in_(ACTIVE))
                .values(cancel_requested=True)
            )
            session.execute(
                update(ExportJobRow)
                .where(ExportJobRow.id == job_id, ExportJobRow.status == "queued")
                .values(status="cancelled", finished_at=utcnow())
            )
            row = session.get(ExportJobRow, job_id)
            if row is None:
                raise NotFound(f"Export {job_id} was not found.")
            return JobView.of(row)

    def cancel_requested(self, job_id: str) -> bool:
        with self.store.session() as session:
            flag = session.scalar(
                select(ExportJobRow.cancel_requested).where(ExportJobRow.id == job_id)
            )
            return bool(flag)

    def queued_ids(self, runner: str) -> list[str]:
        """Jobs no worker has started yet."""
        with self.store.session() as session:
            rows = session.scalars(
                select(ExportJobRow.id).where(
                    ExportJobRow.runner == runner, ExportJobRow.status == "queued"
                )
            )
            return list(rows)

    def touch(self, job_ids: list[str]) -> None:
        """Record that a live runner still holds these jobs (queued in its pool or running)."""
        if not job_ids:
            return
        with self.store.session() as session:
            session.execute(
                update(ExportJobRow)
                .where(ExportJobRow.id.in_(job_ids), ExportJobRow.status.in_(ACTIVE))
                .values(heartbeat_at=utcnow())
            )

    def stale_ids(self, runner: str, before: dt.datetime) -> list[str]:
        """Active jobs of `runner` that nobody has touched since `before`."""
        heartbeat, created = ExportJobRow.heartbeat_at, ExportJobRow.created_at
        silent = or_(heartbeat < before, and_(heartbeat.is_(None), created < before))
        with self.store.session() as session:
            rows = session.scalars(
                select(ExportJobRow.id).where(
                    ExportJobRow.runner == runner, ExportJobRow.status.in_(ACTIVE), silent
                )
            )
            return list(rows)

    def active_ids(self, runner: str) -> list[str]:
        with self.store.session() as session:
            rows = session.scalars(
                select(ExportJobRow.id).where(
                    ExportJobRow.runner == runner, ExportJobRow.status.in_(ACTIVE)
                )
            )
            return list(rows)

    def _settle_cancelled(self, session: Any, job_id: str) -> None:
        session.execute(
            update(ExportJobRow)
            .where(ExportJobRow.id == job_id, ExportJobRow.status.in_(ACTIVE))
            .values(status="cancelled", finished_at=utcnow())
        )


def _fence(attempt: int | None) -> list[Any]:
    """Writes of one attempt apply only while it is the job's latest attempt."""
    return [] if attempt is None else [ExportJobRow.attempts == attempt]
