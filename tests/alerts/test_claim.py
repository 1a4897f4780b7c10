"""A due check is claimed once however many tickers race for it, on SQLite and PostgreSQL:
the unique (alert, seq) claim row decides, and the claim moves the alert on."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy import func, select

from backend.alerts.claim import claim
from backend.alerts.tables import AlertCheckRow, AlertRow
from backend.store.engine import Store
from backend.store.models import ReportRow
from tests.jobs.conftest import add_user

ALERTS = 12
TICKERS = 4


def _alerts(store: Store, due: dt.datetime) -> list[str]:
    owner = add_user(store, f"owner-{uuid.uuid4().hex[:8]}")
    with store.session() as session:
        report = ReportRow(owner_id=owner.id, name="r", spec={"dataset": "metrics"})
        session.add(report)
        session.flush()
        rows = [
            AlertRow(
                owner_id=owner.id, report_id=report.id, name=f"a{i}", measure="total",
                condition="above", threshold=1.0, cron="* * * * *", next_check_at=due,
            )
            for i in range(ALERTS)
        ]  # fmt: skip
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def test_racing_tickers_claim_each_due_alert_exactly_once(metadata_store: Store) -> None:
    due = dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC)
    ids = _alerts(metadata_store, due)
    now = due + dt.timedelta(seconds=5)
    start = threading.Barrier(TICKERS)
    won: list[str] = []

    def ticker() -> None:
        start.wait()
        for alert_id in ids:
            check_id = claim(metadata_store, alert_id, now)
            if check_id is not None:
                won.append(check_id)

    threads = [threading.Thread(target=ticker) for _ in range(TICKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == ALERTS
    with metadata_store.session() as session:
        per_alert = session.execute(
            select(AlertCheckRow.alert_id, func.count())
            .where(AlertCheckRow.alert_id.in_(ids))
            .group_by(AlertCheckRow.alert_id)
        ).all()
        assert sorted(n for _, n in per_alert) == [1] * ALERTS
        nexts = session.scalars(select(AlertRow.next_check_at).where(AlertRow.id.in_(ids)))
        assert all(n is not None and n > now for n in nexts)
    assert claim(metadata_store, ids[0], now) is None  # not due again until its next time


def test_a_new_data_version_is_claimed_once_and_not_again(metadata_store: Store) -> None:
    (alert_id,) = _alerts(metadata_store, dt.datetime(2026, 1, 1, tzinfo=dt.UTC))[:1]
    with metadata_store.session() as session:
        row = session.get(AlertRow, alert_id)
        assert row is not None
        row.cron, row.next_check_at, row.on_new_version = None, None, True
        row.seen_versions = {"metrics": "v1"}
    now = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    assert claim(metadata_store, alert_id, now, {"metrics": "v1"}) is None
    assert claim(metadata_store, alert_id, now, {"metrics": "v2"}) is not None
    assert claim(metadata_store, alert_id, now, {"metrics": "v2"}) is None
    assert claim(metadata_store, alert_id, now, {"metrics": "v1"}) is not None  # back is new
