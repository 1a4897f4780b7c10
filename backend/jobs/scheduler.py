"""Starts due scheduled exports exactly once, however many schedulers run.

Each due time is claimed by inserting the run row: (schedule_id, scheduled_for) is unique,
so when two workers (or an API loop and a worker) look at the same minute, one insert wins
and the other gets an IntegrityError and moves on. The same transaction advances the
schedule to its next fire time after now, so a scheduler that was down runs a missed
schedule once, not once per missed minute.

A worker that dies costs a run nothing and never doubles it: a scheduler that died between
the claim and the export is followed by the next tick, which starts the run again (its
export is named by the run, so it is created once); an export whose worker dies is
re-delivered by its lease (backend.jobs.lease) as the same job, the run's one export.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from backend.dashboards import store as dashboard_store
from backend.dashboards.models import TileDataIn
from backend.errors import AuroraError, NotFound
from backend.jobs.cron import next_runs
from backend.jobs.export_job import load_owner
from backend.jobs.models import ScheduleRow, ScheduleRunRow
from backend.jobs.runner import InProcessRunner
from backend.jobs.service import DashboardExport, ExportService
from backend.jobs.sweep import sweep
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import ReportRow

log = logging.getLogger("aurora.schedules")

SWEEP_EVERY_MIN = 10
# A claim and its export's creation take seconds; a run still without either after this
# lost its scheduler. Restarting one that was only slow is harmless (one export per run).
RESTART_AFTER = dt.timedelta(minutes=2)
RESTART_WITHIN = dt.timedelta(hours=1)


def _due(store: Store, now: dt.datetime) -> list[str]:
    with store.session() as session:
        return list(
            session.scalars(
                select(ScheduleRow.id).where(
                    ScheduleRow.enabled.is_(True), ScheduleRow.next_run_at <= now
                )
            )
        )


def claim(store: Store, schedule_id: str, now: dt.datetime) -> str | None:
    """Claim the schedule's current due time; the run's id, or None when another took it."""
    try:
        with store.session() as session:
            row = session.get(ScheduleRow, schedule_id)
            if row is None or not row.enabled or row.next_run_at is None:
                return None
            if row.next_run_at > now:
                return None
            run = ScheduleRunRow(schedule_id=row.id, scheduled_for=row.next_run_at)
            # The run's delivery is claimed later, once its export is done.
            run.delivery_status = "pending" if row.delivery else None
            session.add(run)
            session.flush()  # the unique (schedule_id, scheduled_for) decides here
            row.next_run_at = next_runs(row.cron, row.timezone, now, 1)[0]
            return run.id
    except IntegrityError:
        return None


def report_spec(store: Store, report_id: str, owner: User) -> QuerySpec:
    """The report's spec, if its owner may still see it (their own, shared, or an admin)."""
    with store.session() as session:
        report = session.get(ReportRow, report_id)
        if report is None or not (report.owner_id == owner.id or report.shared or owner.is_admin):
            raise NotFound(f"Report {report_id} was not found.")
        return QuerySpec.model_validate(report.spec)


@dataclass(frozen=True)
class _Target:
    owner_id: int
    report_id: str | None
    dashboard_id: str | None
    format: str


def dashboard_target(
    store: Store, dashboard_id: str, owner: User, fmt: str, hidden: frozenset[str]
) -> DashboardExport:
    """The dashboard as its owner sees it now (404 if they no longer may), every filter at
    its default."""
    with store.session() as session:
        found = dashboard_store.visible(session, dashboard_id, owner, hidden)
    doc = found.doc
    return DashboardExport(dashboard_id, doc.name, fmt, TileDataIn(), len(doc.tabs))  # type: ignore[arg-type]


async def _create(store: Store, exports: ExportService, schedule: _Target, run_id: str) -> str:
    """The run's export, as the schedule's owner. The run's id names it, so a run started
    twice has one export."""
    owner = load_owner(store, schedule.owner_id)
    if schedule.dashboard_id is not None:
        hidden = exports.queries.policy.hidden_from(owner)  # type: ignore[attr-defined]
        target = dashboard_target(store, schedule.dashboard_id, owner, schedule.format, hidden)
        return (await exports.create_dashboard(owner, target, job_id=run_id)).id
    spec = report_spec(store, schedule.report_id or "", owner)
    job = await exports.create(owner, spec, schedule.format, job_id=run_id)  # type: ignore[arg-type]
    return job.id


async def start_run(store: Store, exports: ExportService, run_id: str) -> None:
    """Create the export job of a claimed run, as the schedule's owner; errors go on the run."""
    with store.session() as session:
        run = session.get(ScheduleRunRow, run_id)
        schedule = session.get(ScheduleRow, run.schedule_id) if run else None
        if run is None or schedule is None:
            return
        target = _Target(
            schedule.owner_id, schedule.report_id, schedule.dashboard_id, schedule.format
        )
    job_id, error = None, None
    try:
        job_id = await _create(store, exports, target, run_id)
    except AuroraError as e:
        error = e.message
    except Exception as e:
        log.exception("scheduled run %s could not start", run_id)
        error = f"The scheduled export could not start: {type(e).__name__}."
    with store.session() as session:
        run = session.get(ScheduleRunRow, run_id)
        if run is not None:
            run.job_id, run.error = job_id, error


def half_started(store: Store, now: dt.datetime) -> list[str]:
    """Runs claimed a while ago that recorded neither an export nor an error: the scheduler
    that claimed them died in between. Only recent ones: a run is late, never a day late."""
    since, until = now - RESTART_WITHIN, now - RESTART_AFTER
    with store.session() as session:
        return list(
            session.scalars(
                select(ScheduleRunRow.id).where(
                    ScheduleRunRow.job_id.is_(None),
                    ScheduleRunRow.error.is_(None),
                    ScheduleRunRow.created_at.between(since, until),
                )
            )
        )


async def tick(store: Store, exports: ExportService, now: dt.datetime | None = None) -> int:
    """Start every run due at `now`, and again every run a dead scheduler left half-started
    (its export is created once whoever starts it); return how many this scheduler started."""
    now = now or utcnow()
    started = 0
    for schedule_id in await asyncio.to_thread(_due, store, now):
        run_id = await asyncio.to_thread(claim, store, schedule_id, now)
        if run_id is not None:
            await start_run(store, exports, run_id)
            started += 1
    for run_id in await asyncio.to_thread(half_started, store, now):
        log.warning("scheduled run %s was left half-started; starting it", run_id)
        await start_run(store, exports, run_id)
        started += 1
    return started


async def loop(
    store: Store,
    exports: ExportService,
    after_tick: Callable[[], Awaitable[object]] | None = None,
    **_: Any,
) -> None:
    """The in-process scheduler (no Redis): a tick each minute, a sweep every ten.
    `after_tick` delivers the runs whose export is done (backend.delivery.schedule_runs)."""
    minutes = 0
    while True:
        await asyncio.sleep(60 - utcnow().second + 0.5)  # just after each minute starts
        try:
            await tick(store, exports)
            if after_tick is not None:
                await after_tick()
            if isinstance(exports.runner, InProcessRunner):  # another process may have died
                await asyncio.to_thread(exports.runner.fail_orphans)
            if minutes % SWEEP_EVERY_MIN == 0:
                await asyncio.to_thread(sweep, exports.settings, store)
        except Exception:
            log.exception("scheduler tick failed")
        minutes += 1
