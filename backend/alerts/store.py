"""Alerts in the metadata store, with who may see and change them.

The owner and admins see and change an alert; another viewer's alert is 404, and so is an
alert on a report whose datasets the caller may not see. The owner must be able to open the
report (their own, shared, or any as an admin), the report must have the measure, the
total must compile as the owner sees the data, and a version trigger needs datasets with
data versions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from backend.alerts.measure import pick_measure, total_spec
from backend.alerts.models import AlertIn
from backend.alerts.tables import AlertCheckRow, AlertFiringRow, AlertRow, AlertStateRow
from backend.delivery.recipients import known_webhooks
from backend.delivery.tables import DeliveryRow
from backend.delivery.targets import DeliveryTargets
from backend.errors import BadRequest, InvalidQuery, NotFound
from backend.jobs.cron import check_cron, next_runs
from backend.query.spec import QuerySpec
from backend.reports import store as reports
from backend.security.principal import User
from backend.store.base import utcnow
from backend.store.engine import Store
from backend.store.models import ReportRow, UserRow

HISTORY_SHOWN = 200

Versions = Callable[[QuerySpec], dict[str, str]]
"""The current data version of each dataset a spec reads; BadRequest when one has none."""
Compiles = Callable[[QuerySpec, User], object]
"""Raises when the spec does not compile as the user sees the data."""


@dataclass(frozen=True)
class DeliveryRules:
    """What the site allows an alert's `delivery`: outside addresses (DELIVERY_OUTSIDE_EMAILS),
    email at all (SMTP_HOST set), and which datasets each user may not see."""

    outside_emails: bool = False
    email: bool = False
    hidden_from: Callable[[User], frozenset[str]] = lambda _user: frozenset()


@dataclass(frozen=True)
class History:
    checks: list[AlertCheckRow]
    firings: list[tuple[AlertFiringRow, str]]  # each with the user it fired for
    deliveries: list[DeliveryRow]  # each send of a firing, with its reason when it failed


def report_of(session: Session, alert: AlertRow) -> QuerySpec | None:
    report = session.get(ReportRow, alert.report_id)
    return QuerySpec.model_validate(report.spec) if report is not None else None


class Alerts:
    """One caller's alerts; `hidden` are the datasets that caller may not see."""

    def __init__(
        self,
        store: Store,
        hidden: frozenset[str],
        versions: Versions,
        compiles: Compiles,
        rules: DeliveryRules | None = None,
    ) -> None:
        self.store, self.hidden = store, hidden
        self.versions, self.compiles = versions, compiles
        self.rules = rules or DeliveryRules()

    def _visible(self, session: Session, alert_id: str, user: User) -> AlertRow:
        row = session.get(AlertRow, alert_id)
        if row is None or not (row.owner_id == user.id or user.is_admin):
            raise NotFound(f"Alert {alert_id} was not found.")
        spec = report_of(session, row)
        if spec is not None and spec.datasets & self.hidden:
            raise NotFound(f"Alert {alert_id} was not found.")
        return row

    def visible(self, user: User) -> list[AlertRow]:
        query = select(AlertRow).order_by(AlertRow.created_at, AlertRow.id)
        if not user.is_admin:
            query = query.where(AlertRow.owner_id == user.id)
        with self.store.session() as session:
            rows = session.scalars(query).all()
            return [r for r in rows if not (_datasets(session, r) & self.hidden)]

    def get(self, alert_id: str, user: User) -> AlertRow:
        with self.store.session() as session:
            return self._visible(session, alert_id, user)

    def create(self, user: User, body: AlertIn) -> AlertRow:
        with self.store.session() as session:
            row = AlertRow(owner_id=user.id)
            self._apply(session, row, body, user)
            session.add(row)
            session.flush()
            return row

    def replace(self, alert_id: str, user: User, body: AlertIn) -> AlertRow:
        with self.store.session() as session:
            row = self._visible(session, alert_id, user)
            self._apply(session, row, body, _owner(session, row.owner_id, user))
            session.flush()
            return row

    def delete(self, alert_id: str, user: User) -> None:
        with self.store.session() as session:
            row = self._visible(session, alert_id, user)
            for table in (AlertFiringRow, AlertStateRow, AlertCheckRow):
                session.execute(delete(table).where(table.alert_id == row.id))
            session.delete(row)

    def history(self, alert_id: str, user: User) -> History:
        """Newest first: every check (the owner's value) and every firing."""
        with self.store.session() as session:
            row = self._visible(session, alert_id, user)
            checks = session.scalars(
                select(AlertCheckRow)
                .where(AlertCheckRow.alert_id == row.id)
                .order_by(AlertCheckRow.seq.desc())
                .limit(HISTORY_SHOWN)
            ).all()
            firings = session.execute(
                select(AlertFiringRow, UserRow.username)
                .join(UserRow, UserRow.id == AlertFiringRow.user_id)
                .where(AlertFiringRow.alert_id == row.id)
                .order_by(AlertFiringRow.created_at.desc(), AlertFiringRow.id)
                .limit(HISTORY_SHOWN)
            ).tuples()
            deliveries = session.scalars(
                select(DeliveryRow)
                .where(DeliveryRow.source_kind == "alert", DeliveryRow.source_id == row.id)
                .order_by(DeliveryRow.created_at.desc(), DeliveryRow.id)
                .limit(HISTORY_SHOWN)
            ).all()
            return History(list(checks), list(firings), list(deliveries))

    def _apply(self, session: Session, row: AlertRow, body: AlertIn, owner: User) -> None:
        """Check `body` as `owner` would have it checked, then write it on `row`; a change
        starts the alert afresh (its states are dropped: the condition may differ)."""
        spec = self._report_spec(session, body.report_id, owner)
        measure = pick_measure(spec, body.measure)
        self.compiles(total_spec(spec), owner)
        _check_delivery(body.delivery, self.rules)
        known_webhooks(session, body.delivery.webhooks)
        _check_users(session, body.delivery.users, spec, self.rules)
        if body.cron is not None:
            check_cron(body.cron, body.timezone)
        seen = self.versions(spec) if body.on_new_version else {}
        row.report_id, row.name, row.measure = body.report_id, body.name, measure
        row.condition, row.threshold = body.condition.kind, body.condition.threshold
        row.cron, row.timezone, row.on_new_version = body.cron, body.timezone, body.on_new_version
        row.delivery = body.delivery.model_dump(mode="json")
        row.enabled, row.seen_versions, row.stopped_reason = body.enabled, seen, None
        row.next_check_at = (
            next_runs(body.cron, body.timezone, utcnow(), 1)[0] if body.cron else None
        )
        if row.id is not None:
            session.execute(delete(AlertStateRow).where(AlertStateRow.alert_id == row.id))

    def _report_spec(self, session: Session, report_id: str, owner: User) -> QuerySpec:
        report, _ = reports.visible(session, report_id, owner, self.hidden)
        return QuerySpec.model_validate(report.spec)


def _datasets(session: Session, row: AlertRow) -> frozenset[str]:
    spec = report_of(session, row)
    return spec.datasets if spec is not None else frozenset()


def _check_delivery(targets: DeliveryTargets, rules: DeliveryRules) -> None:
    if targets.emails and not rules.outside_emails:
        raise BadRequest("Alerts may not email outside addresses on this site.")
    if targets.by_email and not rules.email:
        raise BadRequest("Email is not configured on this site; choose in-app delivery.")


def _check_users(
    session: Session, usernames: list[str], spec: QuerySpec, rules: DeliveryRules
) -> None:
    """Each user exists, is active and may see every dataset of the report."""
    if not usernames:
        return
    rows = session.scalars(
        select(UserRow).where(UserRow.username.in_(usernames), UserRow.active.is_(True))
    )
    found = {row.username: User.from_row(row) for row in rows}
    unknown = [name for name in usernames if name not in found]
    if unknown:
        raise InvalidQuery(f"No active user named {', '.join(unknown[:3])}.", path="delivery.users")
    blind = [name for name, user in found.items() if spec.datasets & rules.hidden_from(user)]
    if blind:
        raise InvalidQuery(
            f"{', '.join(sorted(blind)[:3])} may not see this report's data.", path="delivery.users"
        )


def _owner(session: Session, owner_id: int, caller: User) -> User:
    """The alert's owner, whose view of the report counts (an admin may edit others')."""
    if owner_id == caller.id:
        return caller
    row = session.get(UserRow, owner_id)
    if row is None:
        raise NotFound(f"User {owner_id} was not found.")
    return User.from_row(row)
