"""A user's in-app notifications, as the navigation bar's menu reads them: newest first,
paged, with the unread count; marking read. Only the user's own: another's id is 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.delivery.tables import NotificationRow
from backend.errors import NotFound
from backend.store.base import utcnow
from backend.store.engine import Store


@dataclass(frozen=True)
class Notification:
    id: str
    title: str
    body: str
    link: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def of(cls, row: NotificationRow) -> Notification:
        return cls(row.id, row.title, row.body, row.link, row.created_at, row.read_at)


@dataclass(frozen=True)
class NotificationPage:
    items: list[Notification]
    total: int
    unread: int


@dataclass(frozen=True)
class Notifications:
    store: Store

    def page(self, user_id: int, page: int, page_size: int) -> NotificationPage:
        mine = NotificationRow.user_id == user_id
        newest = (NotificationRow.created_at.desc(), NotificationRow.id.desc())
        with self.store.session() as session:
            rows = session.scalars(
                select(NotificationRow)
                .where(mine)
                .order_by(*newest)
                .offset((page - 1) * page_size)
                .limit(page_size)
            )
            items = [Notification.of(row) for row in rows]
            total = session.scalar(select(func.count()).where(mine)) or 0
            return NotificationPage(items, total, _unread(session, user_id))

    def unread(self, user_id: int) -> int:
        with self.store.session() as session:
            return _unread(session, user_id)

    def mark_read(self, user_id: int, notification_id: str) -> Notification:
        with self.store.session() as session:
            row = session.get(NotificationRow, notification_id)
            if row is None or row.user_id != user_id:
                raise NotFound(f"Notification {notification_id} was not found.")
            row.read_at = row.read_at or utcnow()
            session.flush()
            return Notification.of(row)

    def read_all(self, user_id: int) -> int:
        """Marks every unread one read; how many were."""
        with self.store.session() as session:
            done = session.execute(
                update(NotificationRow)
                .where(NotificationRow.user_id == user_id, NotificationRow.read_at.is_(None))
                .values(read_at=utcnow())
            )
            return int(getattr(done, "rowcount", 0) or 0)


def _unread(session: Session, user_id: int) -> int:
    unread = select(func.count()).where(
        NotificationRow.user_id == user_id, NotificationRow.read_at.is_(None)
    )
    return session.scalar(unread) or 0
