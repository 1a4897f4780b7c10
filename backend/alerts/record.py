"""The store side of a check: what it reads before (the alert as a snapshot, each person's
state) and what it writes after (the outcome, the states, the firings), each in one
transaction, so the queries in between hold no session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.alerts.tables import AlertCheckRow, AlertFiringRow, AlertRow, AlertStateRow
from backend.delivery.targets import DeliveryTargets
from backend.errors import NotFound
from backend.query.spec import QuerySpec
from backend.reports import store as reports
from backend.security.principal import User
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import UserRow

HiddenFrom = Callable[[User], frozenset[str]]


@dataclass(frozen=True)
class AlertView:
    """An alert as one check sees it. `people` are the owner first, then every active user
    it goes to; `states` each one's (met, last value); `stopped` why it cannot run."""

    alert_id: str
    name: str
    report_name: str
    owner: User
    spec: QuerySpec
    measure: str
    kind: str
    threshold: float
    delivery: DeliveryTargets
    people: list[User]
    states: dict[int, tuple[bool, float | None]]
    stopped: str | None = None
    # Set when the check was judged and recorded already (by a ticker that died before
    # its sends were done): each firing of it by user id, (firing id, value).
    recorded: dict[int, tuple[str, float | None]] | None = None


@dataclass(frozen=True)
class Verdict:
    user: User
    value: float | None
    met: bool | None
    fired: bool
    error: str | None


def load(store: Store, check_id: str, hidden_from: HiddenFrom) -> AlertView | None:
    """The check's alert, or None when the check is done already or the alert is gone; with
    its firings when it was recorded already."""
    with store.session() as session:
        check = session.get(AlertCheckRow, check_id)
        alert = session.get(AlertRow, check.alert_id) if check is not None else None
        if check is None or alert is None or check.finished_at is not None:
            return None
        owner_row = session.get(UserRow, alert.owner_id)
        if owner_row is None or not owner_row.active:
            return _stopped(alert, "The owner of this alert is no longer an active user.")
        owner = User.from_row(owner_row)
        try:
            report, _ = reports.visible(session, alert.report_id, owner, hidden_from(owner))
        except NotFound:
            return _stopped(alert, "The alert's owner can no longer open its report.", owner)
        delivery = DeliveryTargets.model_validate(alert.delivery)
        return AlertView(
            alert_id=alert.id,
            name=alert.name,
            report_name=report.name,
            owner=owner,
            spec=QuerySpec.model_validate(report.spec),
            measure=alert.measure,
            kind=alert.condition,
            threshold=alert.threshold,
            delivery=delivery,
            people=[owner, *_others(session, owner, delivery.users)],
            states=_states(session, alert.id),
            recorded=_firings_of(session, check) if check.recorded_at is not None else None,
        )


def _stopped(alert: AlertRow, reason: str, owner: User | None = None) -> AlertView:
    nobody = owner or User(
        id=alert.owner_id, username="", display_name="", role="viewer", attributes={}
    )
    return AlertView(
        alert.id, alert.name, "", nobody, QuerySpec(dataset="-"), alert.measure,
        alert.condition, alert.threshold, DeliveryTargets(), [], {}, stopped=reason,
    )  # fmt: skip


def _others(session: Session, owner: User, usernames: list[str]) -> list[User]:
    if not usernames:
        return []
    rows = session.scalars(
        select(UserRow)
        .where(UserRow.username.in_(usernames), UserRow.active.is_(True), UserRow.id != owner.id)
        .order_by(UserRow.id)
    )
    return [User.from_row(row) for row in rows]


def _firings_of(session: Session, check: AlertCheckRow) -> dict[int, tuple[str, float | None]]:
    rows = session.scalars(select(AlertFiringRow).where(AlertFiringRow.check_id == check.id))
    return {row.user_id: (row.id, row.value) for row in rows}


def _states(session: Session, alert_id: str) -> dict[int, tuple[bool, float | None]]:
    rows = session.scalars(select(AlertStateRow).where(AlertStateRow.alert_id == alert_id))
    return {row.user_id: (row.met, row.last_value) for row in rows}


def record(store: Store, view: AlertView, check_id: str, verdicts: list[Verdict]) -> dict[int, str]:
    """Write the check's outcome (the owner's verdict, and whose checks failed), each
    person's new state and the firings; the firing ids by user id."""
    with store.session() as session:
        check = session.get(AlertCheckRow, check_id)
        if check is None:
            return {}
        _outcome(check, verdicts)
        firings: dict[int, str] = {}
        for verdict in verdicts:
            if verdict.error is None:
                _keep_state(session, view.alert_id, verdict)
            if verdict.fired:
                firing = AlertFiringRow(
                    alert_id=view.alert_id,
                    check_id=check.id,
                    user_id=verdict.user.id,
                    value=verdict.value,
                )
                session.add(firing)
                session.flush()
                firings[verdict.user.id] = firing.id
        return firings


def _outcome(check: AlertCheckRow, verdicts: list[Verdict]) -> None:
    own, others = verdicts[0], verdicts[1:]
    check.value, check.met, check.fired = own.value, own.met, own.fired
    failed = [f"for {v.user.username}: {v.error}" for v in others if v.error is not None]
    errors = ([own.error] if own.error is not None else []) + failed
    check.error = "; ".join(errors) if errors else None
    check.recorded_at = utcnow()  # finished once its firings' sends are made (`finish`)


def _keep_state(session: Session, alert_id: str, verdict: Verdict) -> None:
    state = session.get(AlertStateRow, (alert_id, verdict.user.id))
    if state is None:
        state = AlertStateRow(alert_id=alert_id, user_id=verdict.user.id)
        session.add(state)
    state.met, state.last_value = bool(verdict.met), verdict.value


def sent(store: Store, firing_id: str, sent: int, failed: int) -> None:
    with store.session() as session:
        firing = session.get(AlertFiringRow, firing_id)
        if firing is not None:
            firing.notified, firing.failed = sent, failed


def finish(store: Store, check_id: str, error: str | None = None) -> None:
    """The check is done (with `error`, when it ended on one: it is not taken up again)."""
    with store.session() as session:
        check = session.get(AlertCheckRow, check_id)
        if check is not None and check.finished_at is None:
            check.finished_at = utcnow()
            if error is not None:
                check.error = f"{check.error}; {error}" if check.error else error


def stop(store: Store, alert_id: str, check_id: str, reason: str) -> None:
    """End the check with `reason` and disable the alert until its owner saves it again."""
    with store.session() as session:
        check = session.get(AlertCheckRow, check_id)
        if check is not None:
            check.error, check.finished_at = reason, utcnow()
        alert = session.get(AlertRow, alert_id)
        if alert is not None:
            alert.enabled, alert.stopped_reason = False, reason
