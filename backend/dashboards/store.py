"""Dashboards in the metadata store: who may see and change one, and the version kept on
every save.

A viewer sees a dashboard that is theirs or shared (an admin, any by id) and whose every
dataset they may see: otherwise it is 404, exactly like a missing id, because its tiles
would show those datasets' columns and values. Only the owner or an admin changes one.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backend.dashboards.models import DashboardIn
from backend.dashboards.tables import DashboardRow, DashboardVersionRow
from backend.errors import Forbidden, NotFound
from backend.security.principal import User
from backend.store.models import UserRow

_META = {"name", "description", "shared"}


@dataclass(frozen=True)
class Found:
    row: DashboardRow
    owner: str
    doc: DashboardIn


def document(row: DashboardRow | DashboardVersionRow) -> DashboardIn:
    meta = {"name": row.name, "description": row.description, "shared": row.shared}
    return DashboardIn.model_validate({**row.body, **meta})


def _readable(found: Found, user: User, hidden: frozenset[str]) -> bool:
    return may_read(found.row.owner_id, found.row.shared, found.doc, user, hidden)


def may_read(
    owner_id: int, shared: bool, doc: DashboardIn, user: User, hidden: frozenset[str]
) -> bool:
    """Theirs or shared (an admin: any), and no dataset in it hidden from them."""
    mine_or_shared = owner_id == user.id or shared or user.is_admin
    return mine_or_shared and not doc.datasets & hidden


def visible(session: Session, dashboard_id: str, user: User, hidden: frozenset[str]) -> Found:
    got = session.execute(
        select(DashboardRow, UserRow.username)
        .join(UserRow, UserRow.id == DashboardRow.owner_id)
        .where(DashboardRow.id == dashboard_id)
    ).first()
    found = None if got is None else Found(got[0], got[1], document(got[0]))
    if found is None or not _readable(found, user, hidden):
        raise NotFound(f"Dashboard {dashboard_id} was not found.")
    return found


def editable(session: Session, dashboard_id: str, user: User, hidden: frozenset[str]) -> Found:
    found = visible(session, dashboard_id, user, hidden)
    if found.row.owner_id != user.id and not user.is_admin:
        raise Forbidden("Only the owner or an admin can change a shared dashboard.")
    return found


def listed(session: Session, user: User, hidden: frozenset[str]) -> list[Found]:
    """The caller's own dashboards and the shared ones they can see, by name."""
    rows = session.execute(
        select(DashboardRow, UserRow.username)
        .join(UserRow, UserRow.id == DashboardRow.owner_id)
        .where(or_(DashboardRow.owner_id == user.id, DashboardRow.shared.is_(True)))
        .order_by(DashboardRow.name, DashboardRow.id)
    ).tuples()
    found = [Found(row, owner, document(row)) for row, owner in rows]
    return [f for f in found if _readable(f, user, hidden)]


def save(session: Session, row: DashboardRow, doc: DashboardIn, user: User) -> None:
    """Write `doc` into `row` and keep it as the next version."""
    row.name, row.description, row.shared = doc.name, doc.description, doc.shared
    row.body = doc.model_dump(mode="json", exclude=_META)
    last = session.scalar(
        select(func.max(DashboardVersionRow.n)).where(DashboardVersionRow.dashboard_id == row.id)
    )
    row.version = (last or 0) + 1
    session.add(
        DashboardVersionRow(
            dashboard_id=row.id,
            n=row.version,
            name=row.name,
            description=row.description,
            shared=row.shared,
            body=row.body,
            saved_by=user.id,
        )
    )
    session.flush()


def versions(session: Session, dashboard_id: str) -> list[tuple[DashboardVersionRow, str]]:
    rows = session.execute(
        select(DashboardVersionRow, UserRow.username)
        .join(UserRow, UserRow.id == DashboardVersionRow.saved_by)
        .where(DashboardVersionRow.dashboard_id == dashboard_id)
        .order_by(DashboardVersionRow.n.desc())
    ).tuples()
    return list(rows)


def version(session: Session, dashboard_id: str, n: int) -> DashboardVersionRow:
    row = session.scalar(
        select(DashboardVersionRow).where(
            DashboardVersionRow.dashboard_id == dashboard_id, DashboardVersionRow.n == n
        )
    )
    if row is None:
        raise NotFound(f"Dashboard {dashboard_id} has no version {n}.")
    return row
