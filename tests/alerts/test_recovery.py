"""A check whose ticker died mid-check is taken up again once its lease is old: judged afresh
when it had recorded nothing, and otherwise only the sends its firings had not made are
made (each person hears of a firing once)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import delete, select, update

from backend.alerts import check as check_module
from backend.alerts.claim import claim
from backend.alerts.tables import AlertCheckRow, AlertFiringRow, AlertRow
from backend.delivery.lease import LEASE_S
from backend.delivery.tables import DeliveryRow, NotificationRow
from backend.store.base import utcnow
from backend.store.models import UserRow
from tests.alerts.conftest import AlertsEnv


def _age_lease(env: AlertsEnv, check_id: str, *, finished: bool = False) -> None:
    old = utcnow() - dt.timedelta(seconds=LEASE_S + 1)
    values = {"claimed_at": old} | ({} if finished else {"finished_at": None})
    with env.api.store.session() as session:
        session.execute(update(AlertCheckRow).where(AlertCheckRow.id == check_id).values(**values))


def _check(env: AlertsEnv, check_id: str) -> AlertCheckRow:
    with env.api.store.session() as session:
        row = session.get(AlertCheckRow, check_id)
        assert row is not None
        session.expunge(row)
        return row


def test_a_check_claimed_by_a_ticker_that_died_is_run_once_its_lease_is_old(
    alerts_env: AlertsEnv,
) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    alert = env.alert(ann, env.report(ann), on_new_version=False, cron="0 6 * * *")
    env.add_rows(("North", 500))
    past = utcnow() - dt.timedelta(minutes=1)
    with env.api.store.session() as session:  # its cron time came
        session.execute(
            update(AlertRow).where(AlertRow.id == alert["id"]).values(next_check_at=past)
        )
    check_id = claim(env.api.store, alert["id"], utcnow())  # ... and the ticker died here
    assert check_id is not None
    assert env.tick() == 0  # its lease is fresh: the holder may be alive
    assert _check(env, check_id).finished_at is None
    _age_lease(env, check_id)
    assert env.tick() == 1
    done = _check(env, check_id)
    assert done.finished_at is not None and done.fired and done.value == 520
    assert len(env.notifications("ann")) == 1
    assert env.tick() == 0  # finished: never taken up again


def test_a_check_that_died_after_recording_sends_only_what_was_not_sent(
    alerts_env: AlertsEnv,
) -> None:
    env = alerts_env
    ann, _bob = env.api.new_user("ann"), env.api.new_user("bob")
    alert = env.alert(ann, env.report(ann), delivery={"users": ["ann", "bob"]})
    env.add_rows(("North", 500))
    assert env.tick() == 1
    assert len(env.notifications("ann")) == 1 and len(env.notifications("bob")) == 1
    with env.api.store.session() as session:  # as if the ticker died before telling bob
        bob_id = session.scalars(select(UserRow.id).where(UserRow.username == "bob")).one()
        session.execute(delete(NotificationRow).where(NotificationRow.user_id == bob_id))
        session.execute(delete(DeliveryRow).where(DeliveryRow.recipient == str(bob_id)))
        check_id = session.scalars(
            select(AlertCheckRow.id).where(AlertCheckRow.alert_id == alert["id"])
        ).one()
    _age_lease(env, check_id)
    assert env.tick() == 1
    assert len(env.notifications("ann")) == 1  # not told twice
    assert len(env.notifications("bob")) == 1  # told now
    with env.api.store.session() as session:
        firings = session.scalars(
            select(AlertFiringRow).where(AlertFiringRow.alert_id == alert["id"])
        ).all()
        assert len(firings) == 2  # judged once: no new firing
    assert _check(env, check_id).finished_at is not None
    history = env.history(ann, alert["id"])
    assert len(history["checks"]) == 1
    assert sorted(d["status"] for d in history["deliveries"]) == ["sent", "sent"]


def test_a_check_that_raises_is_finished_with_the_error_not_retried_forever(
    alerts_env: AlertsEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = alerts_env
    ann = env.api.new_user("ann")
    alert = env.alert(ann, env.report(ann))

    def broken(*_args: object) -> dict[int, str]:
        raise RuntimeError("store hiccup")

    monkeypatch.setattr(check_module, "record", broken)
    env.add_rows(("North", 500))
    assert env.tick() == 1
    with env.api.store.session() as session:
        (check_id,) = session.scalars(
            select(AlertCheckRow.id).where(AlertCheckRow.alert_id == alert["id"])
        ).all()
    done = _check(env, check_id)
    assert done.finished_at is not None and "RuntimeError" in (done.error or "")
    _age_lease(env, check_id, finished=True)
    assert env.tick() == 0  # an error ends a check; only a dead ticker's check is taken up
