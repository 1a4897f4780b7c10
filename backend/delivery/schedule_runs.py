"""Delivers scheduled runs whose export is done, once, per recipient.

Each minute the worker (or the in-process scheduler without Redis) looks for runs whose
delivery is `pending` and whose export finished, and claims each (pending -> delivering, one
UPDATE: one scheduler wins). The claim is a lease renewed while the run is sent: a run left
`delivering` by a worker that died is claimed again once its lease is old
(backend.delivery.lease), and what that worker sent is not sent twice. Then:

- every Aurora user in `users` gets an export of their own, run as them (their row-level
  security, their datasets; never the owner's file), sent over each of `channels`;
- outside `emails` and `webhooks` get the owner's export, the run's own.

Each send goes through the outbox (retries, `deliveries`, audit); a recipient who could not
be served at all (gone, or their export failed) gets a failed `deliveries` row saying why,
so the owner sees it beside the sends.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import hashlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from backend.config import Settings
from backend.dashboards.tables import DashboardRow
from backend.delivery.chart_image import chart_data, render_png
from backend.delivery.file_link import issue_link
from backend.delivery.lease import heartbeat, stale_before
from backend.delivery.message import EMAIL, IN_APP, WEBHOOK, Message, Recipient
from backend.delivery.outbox import Outbox, Source, earlier_send
from backend.delivery.recipients import user_address
from backend.delivery.run_message import TABLE_ROWS, Preview, Produced, email_message, notice
from backend.delivery.tables import DeliveryRow
from backend.delivery.targets import DeliveryTargets
from backend.jobs.export_job import ExportDeps, run_export
from backend.jobs.models import FINISHED, ExportJobRow, ScheduleRow, ScheduleRunRow
from backend.jobs.state import JobStore, JobView
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.services.queries import QueryService
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import ReportRow, UserRow

log = logging.getLogger("aurora.delivery")

PENDING, DELIVERING, DONE, SKIPPED = "pending", "delivering", "done", "skipped"
RUNNER = "delivery"  # the recipients' exports: no runner's orphan sweep touches them


@dataclass(frozen=True)
class RunDelivery:
    """What delivering needs: the export deps (to run recipients' exports in this process),
    the query service (the first rows as each recipient sees them) and the outbox."""

    deps: ExportDeps
    queries: QueryService
    outbox: Outbox

    @property
    def store(self) -> Store:
        return self.deps.store

    @property
    def settings(self) -> Settings:
        return self.deps.settings


@dataclass(frozen=True)
class _Plan:
    source: Source
    targets: DeliveryTargets
    title: str
    job: JobView  # the owner's export: the run's own
    chart: dict[str, Any] | None  # the report's chart, drawn into each email
    workdir: Path  # for the charts' images, removed once the run is delivered


async def deliver_ready(delivery: RunDelivery, now: dt.datetime | None = None) -> int:
    """Deliver every finished run this scheduler claims (a pending one, or one whose
    holder's lease is older than LEASE_S at `now`); return how many."""
    delivered = 0
    at = now or utcnow()
    for run_id in await asyncio.to_thread(_ready, delivery.store, at):
        if not await asyncio.to_thread(_claim, delivery.store, run_id, at):
            continue  # another scheduler took it
        status = SKIPPED
        try:
            async with heartbeat(functools.partial(_renew, delivery.store, run_id)):
                status = await deliver_run(delivery, run_id)
        except Exception:
            log.exception("delivery of scheduled run %s failed", run_id)
        await asyncio.to_thread(_mark, delivery.store, run_id, status)
        delivered += 1
    return delivered


def _claimable(now: dt.datetime) -> ColumnElement[bool]:
    """Pending, or delivering under a lease its holder stopped renewing (a run left
    `delivering` before leases were kept has none: it is claimable too)."""
    stale = or_(
        ScheduleRunRow.delivery_claimed_at.is_(None),
        ScheduleRunRow.delivery_claimed_at < stale_before(now),
    )
    return or_(
        ScheduleRunRow.delivery_status == PENDING,
        and_(ScheduleRunRow.delivery_status == DELIVERING, stale),
    )


def _ready(store: Store, now: dt.datetime) -> list[str]:
    query = (
        select(ScheduleRunRow.id, ScheduleRunRow.error, ExportJobRow.status)
        .outerjoin(ExportJobRow, ExportJobRow.id == ScheduleRunRow.job_id)
        .where(_claimable(now))
    )
    with store.session() as session:
        rows = session.execute(query).tuples().all()
    return [run_id for run_id, error, status in rows if error is not None or status in FINISHED]


def _claim(store: Store, run_id: str, now: dt.datetime) -> bool:
    with store.session() as session:
        claimed = session.execute(
            update(ScheduleRunRow)
            .where(ScheduleRunRow.id == run_id, _claimable(now))
            .values(delivery_status=DELIVERING, delivery_claimed_at=utcnow())
        )
        return bool(claimed.rowcount)  # type: ignore[attr-defined]


def _renew(store: Store, run_id: str) -> None:
    with store.session() as session:
        session.execute(
            update(ScheduleRunRow)
            .where(ScheduleRunRow.id == run_id, ScheduleRunRow.delivery_status == DELIVERING)
            .values(delivery_claimed_at=utcnow())
        )


def _mark(store: Store, run_id: str, status: str) -> None:
    with store.session() as session:
        run = session.get(ScheduleRunRow, run_id)
        if run is not None:
            run.delivery_status = status


async def deliver_run(delivery: RunDelivery, run_id: str) -> str:
    """Send one run to its recipients; `done`, or `skipped` when the run made no file."""
    with tempfile.TemporaryDirectory(prefix="aurora-delivery-") as workdir:
        plan = await asyncio.to_thread(_plan, delivery.store, run_id, Path(workdir))
        if plan is None:
            return SKIPPED
        await _send_all(delivery, plan)
    return DONE


async def _send_all(delivery: RunDelivery, plan: _Plan) -> None:
    for username in plan.targets.users:
        await _to_user(delivery, plan, username)
    if plan.targets.emails or plan.targets.webhooks:
        owner = await _produced(delivery, plan, plan.job, plan.source.owner)
        for address in plan.targets.emails:
            message = await asyncio.to_thread(_email, delivery, owner, plan.job.owner_id)
            await delivery.outbox.deliver(plan.source, Recipient(EMAIL, address), message)
        for hook in plan.targets.webhooks:
            await delivery.outbox.deliver(plan.source, Recipient(WEBHOOK, hook), notice(owner))


def _plan(store: Store, run_id: str, workdir: Path) -> _Plan | None:
    with store.session() as session:
        run = session.get(ScheduleRunRow, run_id)
        schedule = session.get(ScheduleRow, run.schedule_id) if run else None
        job = session.get(ExportJobRow, run.job_id) if run and run.job_id else None
        if schedule is None or not schedule.delivery or job is None or job.status != "done":
            return None
        owner = session.get(UserRow, schedule.owner_id)
        if owner is None:
            return None
        source = Source("schedule", run_id, User.from_row(owner), occasion=run_id)
        targets = DeliveryTargets.model_validate(schedule.delivery)
        report = session.get(ReportRow, schedule.report_id) if schedule.report_id else None
        chart = report.chart if report is not None and report.kind == "chart" else None
        title = _title(session, schedule)
        return _Plan(source, targets, title, JobView.of(job), chart, workdir)


def _title(session: Session, schedule: ScheduleRow) -> str:
    if schedule.dashboard_id is not None:
        dashboard = session.get(DashboardRow, schedule.dashboard_id)
        return str(getattr(dashboard, "name", "") or "Dashboard")
    report = session.get(ReportRow, schedule.report_id)
    return str(report.name if report is not None else "Report")


async def _to_user(delivery: RunDelivery, plan: _Plan, username: str) -> None:
    """One Aurora user's own export, sent over each channel."""
    user = await asyncio.to_thread(_active_user, delivery.store, username)
    channels = plan.targets.channels
    if user is None:
        for channel in channels:
            error = f"{username} is no longer an active user."
            await asyncio.to_thread(_failed, delivery.store, plan.source, channel, username, error)
        return
    job = await asyncio.to_thread(_user_export, delivery, plan, user)
    if job.status != "done":
        for channel in channels:
            error = f"{username}'s export failed: {job.error or job.status}"
            await asyncio.to_thread(_failed, delivery.store, plan.source, channel, username, error)
        return
    produced = await _produced(delivery, plan, job, user)
    for channel in channels:
        await _send_to_user(delivery, plan, produced, user, channel)


async def _send_to_user(
    delivery: RunDelivery, plan: _Plan, produced: Produced, user: User, channel: str
) -> None:
    if channel == IN_APP:
        recipient = Recipient(IN_APP, str(user.id), user_id=user.id)
        await delivery.outbox.deliver(plan.source, recipient, notice(produced))
        return
    address = user_address(user)
    if address is None:
        error = f"{user.username} has no email address."
        await asyncio.to_thread(_failed, delivery.store, plan.source, EMAIL, user.username, error)
        return
    message = await asyncio.to_thread(_email, delivery, produced, user.id)
    await delivery.outbox.deliver(plan.source, Recipient(EMAIL, address, user.id), message)


def _active_user(store: Store, username: str) -> User | None:
    with store.session() as session:
        row = session.scalar(select(UserRow).where(UserRow.username == username))
        return User.from_row(row) if row is not None and row.active else None


def _user_export(delivery: RunDelivery, plan: _Plan, user: User) -> JobView:
    """The run's export as `user` (run here, in this thread), made once per run and user:
    its id derives from both, so a delivery restarted after a crash reuses it."""
    if user.id == plan.job.owner_id:
        return plan.job
    job_id = hashlib.sha256(f"{plan.source.id}:{user.id}".encode()).hexdigest()[:32]
    jobs = JobStore(delivery.store)
    job = jobs.create_once(
        job_id,
        owner_id=user.id,
        format=plan.job.format,
        filename=plan.job.filename,
        spec=plan.job.spec,
        total_rows=plan.job.total_rows if plan.job.format == "pdf" else None,
        runner=RUNNER,
    )
    if job.status not in FINISHED:
        run_export(job_id, delivery.deps)
    found = jobs.get(job_id)
    assert found is not None
    return found


async def _produced(delivery: RunDelivery, plan: _Plan, job: JobView, viewer: User) -> Produced:
    preview = await _preview(delivery.queries, job, viewer)
    path = Path(job.file_path or "")
    chart = await asyncio.to_thread(_chart, delivery, plan, preview, f"{job.id}.png")
    return Produced(
        plan.title, job.id, job.filename, job.format, path, job.rows_written, preview, chart
    )


def _chart(delivery: RunDelivery, plan: _Plan, preview: Preview | None, name: str) -> Path | None:
    """The report's chart over these rows, drawn by headless Chromium (None: no chart)."""
    if preview is None:
        return None
    data = chart_data(plan.chart, preview.names, preview.rows, plan.title)
    if data is None:
        return None
    return render_png(data, delivery.settings.chromium_path, plan.workdir / name)


async def _preview(queries: QueryService, job: JobView, viewer: User) -> Preview | None:
    """The first rows as `viewer` sees them (a report's; a dashboard's file has tabs)."""
    if "dashboard_id" in job.spec:
        return None
    try:
        spec = QuerySpec.model_validate(job.spec)
        page = await queries.preview(spec.model_copy(update={"page_size": TABLE_ROWS}), viewer)
    except Exception:
        log.warning("no preview rows for export %s", job.id, exc_info=True)
        return None
    labels = [str(c.get("label") or c.get("name")) for c in page.columns]
    return Preview(labels, page.rows, [str(c.get("name")) for c in page.columns])


def _email(delivery: RunDelivery, produced: Produced, file_owner: int) -> Message:
    limit = delivery.settings.email_attach_max_mb * 1024 * 1024
    size = produced.path.stat().st_size if produced.path.is_file() else 0
    if size <= limit:
        return email_message(produced, attach=True, link=None)
    link = issue_link(delivery.settings, delivery.store, file_owner, produced.export_id)
    return email_message(produced, attach=False, link=link)


def _failed(store: Store, source: Source, channel: str, recipient: str, error: str) -> None:
    with store.session() as session:
        if earlier_send(session, source, channel, recipient[:320]) is not None:
            return  # recorded by the worker that began this run
        session.add(
            DeliveryRow(
                owner_id=source.owner.id,
                source_kind=source.kind,
                source_id=source.id,
                occasion=source.occasion,
                channel=channel,
                recipient=recipient[:320],
                status="failed",
                attempts=0,
                error=error,
                finished_at=utcnow(),
            )
        )
