"""Which alerts are due, and the claim that makes each check happen exactly once.

A claim inserts the check row with the alert's next sequence number: (alert_id, seq) is
unique, so when two tickers (two API processes without Redis, or a worker and a late one)
look at the same due time or the same new data version, one insert wins and the other gets
an IntegrityError and moves on. The same transaction advances the alert: its next cron time
after now (a ticker that was down checks a missed alert once, not once per missed minute),
or the data versions it has now seen.

The claim is a lease too (backend.delivery.lease): the check row's `claimed_at` is renewed
while the check runs, and an unfinished check whose lease is old lost its ticker (a worker
that died mid-check) and is claimed again by the next tick.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.exc import IntegrityError

from backend.alerts.tables import AlertCheckRow, AlertRow
from backend.delivery.lease import stale_before
from backend.jobs.cron import next_runs
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import ReportRow

SCHEDULE, NEW_VERSION = "schedule", "new_version"


def due_on_schedule(store: Store, now: dt.datetime) -> list[str]:
    with store.session() as session:
        return list(
            session.scalars(
                select(AlertRow.id).where(
                    AlertRow.enabled.is_(True),
                    AlertRow.cron.is_not(None),
                    AlertRow.next_check_at <= now,
                )
            )
        )


def watching_versions(store: Store) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """Each enabled version-triggered alert: its id, its report's spec and the versions it
    saw last."""
    with store.session() as session:
        rows = session.execute(
            select(AlertRow.id, ReportRow.spec, AlertRow.seen_versions)
            .join(ReportRow, ReportRow.id == AlertRow.report_id)
            .where(AlertRow.enabled.is_(True), AlertRow.on_new_version.is_(True))
        ).tuples()
        return [(alert_id, spec, seen or {}) for alert_id, spec, seen in rows]


def claim(
    store: Store, alert_id: str, now: dt.datetime, versions: dict[str, str] | None = None
) -> str | None:
    """Claim the alert's current due time (`versions` None) or the new data `versions`;
    the check's id, or None when it is not due (any more) or another ticker took it."""
    try:
        with store.session() as session:
            row = session.get(AlertRow, alert_id)
            if row is None or not row.enabled or not _due(row, now, versions):
                return None
            check = AlertCheckRow(
                alert_id=row.id,
                claimed_at=utcnow(),
                seq=row.last_seq + 1,
                trigger=SCHEDULE if versions is None else NEW_VERSION,
                scheduled_for=row.next_check_at if versions is None and row.next_check_at else now,
            )
            session.add(check)
            session.flush()  # the unique (alert_id, seq) decides here
            row.last_seq = check.seq
            _advance(row, now, versions)
            return check.id
    except IntegrityError:
        return None


def _due(row: AlertRow, now: dt.datetime, versions: dict[str, str] | None) -> bool:
    if versions is None:
        return row.cron is not None and row.next_check_at is not None and row.next_check_at <= now
    return row.on_new_version and (row.seen_versions or {}) != versions


def _advance(row: AlertRow, now: dt.datetime, versions: dict[str, str] | None) -> None:
    if versions is not None:
        row.seen_versions = versions
    elif row.cron is not None:
        row.next_check_at = next_runs(row.cron, row.timezone, now, 1)[0]


def _abandoned(now: dt.datetime) -> ColumnElement[bool]:
    """Unfinished, under a lease nobody renewed (or none: claimed before leases were kept)."""
    return AlertCheckRow.finished_at.is_(None) & or_(
        AlertCheckRow.claimed_at.is_(None), AlertCheckRow.claimed_at < stale_before(now)
    )


def reclaim_abandoned(store: Store, now: dt.datetime) -> list[str]:
    """Claim again each check whose ticker died mid-check; their ids (one taker each)."""
    with store.session() as session:
        found = list(session.scalars(select(AlertCheckRow.id).where(_abandoned(now))))
    return [check_id for check_id in found if _reclaim(store, check_id, now)]


def _reclaim(store: Store, check_id: str, now: dt.datetime) -> bool:
    with store.session() as session:
        taken = session.execute(
            update(AlertCheckRow)
            .where(AlertCheckRow.id == check_id, _abandoned(now))
            .values(claimed_at=utcnow())
        )
        return bool(taken.rowcount)  # type: ignore[attr-defined]


def renew(store: Store, check_id: str) -> None:
    """The running check's heartbeat."""
    with store.session() as session:
        session.execute(
            update(AlertCheckRow)
            .where(AlertCheckRow.id == check_id, AlertCheckRow.finished_at.is_(None))
            .values(claimed_at=utcnow())
        )
