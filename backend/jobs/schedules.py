"""Scheduled exports: a saved report or a dashboard, a cron expression, a format, an
enabled flag.

A viewer manages their own schedules; an admin may see and change any. Another viewer's
schedule is 404. The report or dashboard must be one the owner may open (their own, or
shared). A schedule of a report or dashboard on a dataset the caller may not see (`hidden`,
see `AccessPolicy.hidden_from`) is 404 as well, with its runs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.dashboards import store as dashboard_store
from backend.dashboards.tables import DashboardRow
from backend.errors import BadRequest, NotFound
from backend.jobs.cron import check_cron, next_runs
from backend.jobs.models import ExportJobRow, ScheduleRow, ScheduleRunRow
from backend.jobs.quotas import Quotas
from backend.query.spec import QuerySpec
from backend.security.principal import User
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import ReportRow, UserRow

RUNS_SHOWN = 100


@dataclass(frozen=True)
class ScheduleFields:
    """Exactly one of `report_id` and `dashboard_id` (the route checks it)."""

    report_id: str | None
    cron: str
    format: str
    enabled: bool = True
    timezone: str = "UTC"
    dashboard_id: str | None = None
    # Who each run is sent to (backend.delivery.targets.DeliveryTargets, as JSON); None: nobody.
    delivery: dict[str, Any] | None = None


# Checks a delivery against the datasets the schedule reads and returns what to store (None:
# nobody), or raises a 400 (backend.delivery.recipients.RecipientRules.check). Injected, so
# the jobs package does not import delivery (which imports jobs).
DeliveryCheck = Callable[[Session, dict[str, Any], frozenset[str]], dict[str, Any] | None]


def _reads_hidden(spec: dict[str, Any] | None, hidden: frozenset[str]) -> bool:
    return bool(hidden and spec is not None and QuerySpec.model_validate(spec).datasets & hidden)


def _dashboard_hidden(session: Session, dashboard_id: str, hidden: frozenset[str]) -> bool:
    row = session.get(DashboardRow, dashboard_id)
    return bool(hidden and row is not None and dashboard_store.document(row).datasets & hidden)


def _hides(session: Session, row: ScheduleRow, hidden: frozenset[str]) -> bool:
    """The schedule's report or dashboard reads a dataset hidden from the caller."""
    if row.dashboard_id is not None:
        return _dashboard_hidden(session, row.dashboard_id, hidden)
    report = session.get(ReportRow, row.report_id) if row.report_id else None
    return _reads_hidden(report.spec if report else None, hidden)


def _visible(session: Session, schedule_id: str, user: User, hidden: frozenset[str]) -> ScheduleRow:
    row = session.get(ScheduleRow, schedule_id)
    if row is None or not (row.owner_id == user.id or user.is_admin):
        raise NotFound(f"Schedule {schedule_id} was not found.")
    if _hides(session, row, hidden):
        raise NotFound(f"Schedule {schedule_id} was not found.")
    return row


def _check_target(
    session: Session, fields: ScheduleFields, owner: User, hidden: frozenset[str]
) -> frozenset[str]:
    """The owner may open what the schedule delivers (a dashboard: as the API's 404 says);
    the datasets it reads."""
    if fields.dashboard_id is not None:
        found = dashboard_store.visible(session, fields.dashboard_id, owner, hidden)
        return found.doc.datasets
    report_id = fields.report_id or ""
    report = session.get(ReportRow, report_id)
    if report is None or not (report.owner_id == owner.id or report.shared or owner.is_admin):
        raise NotFound(f"Report {report_id} was not found.")
    if _reads_hidden(report.spec, hidden):
        raise NotFound(f"Report {report_id} was not found.")
    return QuerySpec.model_validate(report.spec).datasets


def _apply(row: ScheduleRow, fields: ScheduleFields, now: dt.datetime) -> None:
    row.report_id, row.dashboard_id = fields.report_id, fields.dashboard_id
    row.delivery = fields.delivery
    row.cron, row.format = fields.cron, fields.format
    row.enabled, row.timezone = fields.enabled, fields.timezone
    row.next_run_at = next_runs(fields.cron, fields.timezone, now, 1)[0]


class Schedules:
    """One caller's schedules; `hidden` are the datasets that caller may not see."""

    def __init__(
        self,
        store: Store,
        hidden: frozenset[str] = frozenset(),
        quotas: Quotas | None = None,
        delivery_check: DeliveryCheck | None = None,
    ) -> None:
        self.store, self.hidden, self.quotas = store, hidden, quotas
        self.delivery_check = delivery_check

    def _checked(
        self, session: Session, fields: ScheduleFields, datasets: frozenset[str]
    ) -> ScheduleFields:
        """`fields` with its delivery as checked and stored (a 400 when it may not be)."""
        if fields.delivery is None:
            return fields
        if self.delivery_check is None:  # only a script without the rules gets here
            raise BadRequest("Delivery cannot be checked here.")
        stored = self.delivery_check(session, fields.delivery, datasets)
        return dataclasses.replace(fields, delivery=stored)

    def _check_quotas(
        self, session: Session, owner: User, fields: ScheduleFields, *, editing: str | None
    ) -> None:
        if self.quotas is None or not fields.enabled:
            return
        others = select(func.count()).where(
            ScheduleRow.owner_id == owner.id,
            ScheduleRow.enabled.is_(True),
            ScheduleRow.id != (editing or ""),
        )
        count = int(session.scalar(others) or 0)
        self.quotas.check_schedule(owner, fields.cron, fields.timezone, enabled_others=count)

    def visible(self, user: User) -> list[ScheduleRow]:
        query = select(ScheduleRow).order_by(ScheduleRow.created_at, ScheduleRow.id)
        if not user.is_admin:
            query = query.where(ScheduleRow.owner_id == user.id)
        with self.store.session() as session:
            rows = session.scalars(query).all()
            return [row for row in rows if not _hides(session, row, self.hidden)]

    def get(self, schedule_id: str, user: User) -> ScheduleRow:
        with self.store.session() as session:
            return _visible(session, schedule_id, user, self.hidden)

    def create(self, user: User, fields: ScheduleFields) -> ScheduleRow:
        check_cron(fields.cron, fields.timezone)
        with self.store.session() as session:
            datasets = _check_target(session, fields, user, self.hidden)
            fields = self._checked(session, fields, datasets)
            self._check_quotas(session, user, fields, editing=None)
            row = ScheduleRow(owner_id=user.id)
            _apply(row, fields, utcnow())
            session.add(row)
            session.flush()
            return row

    def replace(self, schedule_id: str, user: User, fields: ScheduleFields) -> ScheduleRow:
        check_cron(fields.cron, fields.timezone)
        with self.store.session() as session:
            row = _visible(session, schedule_id, user, self.hidden)
            owner = _owner(session, row.owner_id, user)
            datasets = _check_target(session, fields, owner, self.hidden)
            fields = self._checked(session, fields, datasets)
            self._check_quotas(session, owner, fields, editing=row.id)
            _apply(row, fields, utcnow())
            session.flush()
            return row

    def delete(self, schedule_id: str, user: User) -> None:
        with self.store.session() as session:
            row = _visible(session, schedule_id, user, self.hidden)
            for run in session.scalars(
                select(ScheduleRunRow).where(ScheduleRunRow.schedule_id == row.id)
            ):
                session.delete(run)
            session.delete(row)

    def runs(self, schedule_id: str, user: User) -> list[tuple[ScheduleRunRow, Any]]:
        """Newest first, each with its export job (None when the run could not start)."""
        with self.store.session() as session:
            row = _visible(session, schedule_id, user, self.hidden)
            query = (
                select(ScheduleRunRow, ExportJobRow)
                .outerjoin(ExportJobRow, ExportJobRow.id == ScheduleRunRow.job_id)
                .where(ScheduleRunRow.schedule_id == row.id)
                .order_by(ScheduleRunRow.scheduled_for.desc())
                .limit(RUNS_SHOWN)
            )
            return [(run, job) for run, job in session.execute(query).tuples()]


def _owner(session: Session, owner_id: int, caller: User) -> User:
    """The schedule's owner, whose view of the report counts (an admin may edit others')."""
    if owner_id == caller.id:
        return caller
    row = session.get(UserRow, owner_id)
    if row is None:
        raise NotFound(f"User {owner_id} was not found.")
    return User.from_row(row)
