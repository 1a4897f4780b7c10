"""The caller's in-app notifications: the list (newest first, paged, with the unread count),
the unread count alone (what the navigation bar polls), marking one or all read. Another
user's notification is 404, like a missing one."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from backend.delivery.notifications import Notification
from backend.deps import CurrentUser, NotificationsDep, require_user

router = APIRouter(
    prefix="/notifications", tags=["notifications"], dependencies=[Depends(require_user)]
)

NotificationId = Annotated[str, Path(min_length=1, max_length=32)]


class NotificationOut(BaseModel):
    id: str
    title: str
    body: str
    link: str | None
    created_at: dt.datetime
    read_at: dt.datetime | None

    @classmethod
    def of(cls, note: Notification) -> NotificationOut:
        return cls.model_validate(note, from_attributes=True)


class NotificationList(BaseModel):
    items: list[NotificationOut]
    page: int
    page_size: int
    total: int
    unread: int


class UnreadCount(BaseModel):
    unread: int


class Marked(BaseModel):
    marked: int


@router.get("", response_model=NotificationList)
def list_notifications(
    user: CurrentUser,
    notifications: NotificationsDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> NotificationList:
    found = notifications.page(user.id, page, page_size)
    items = [NotificationOut.of(n) for n in found.items]
    return NotificationList(
        items=items, page=page, page_size=page_size, total=found.total, unread=found.unread
    )


@router.get("/unread-count", response_model=UnreadCount)
def unread_count(user: CurrentUser, notifications: NotificationsDep) -> UnreadCount:
    return UnreadCount(unread=notifications.unread(user.id))


@router.post("/read-all", response_model=Marked)
def read_all(user: CurrentUser, notifications: NotificationsDep) -> Marked:
    return Marked(marked=notifications.read_all(user.id))


@router.post("/{notification_id}/read", response_model=NotificationOut)
def mark_read(
    notification_id: NotificationId, user: CurrentUser, notifications: NotificationsDep
) -> NotificationOut:
    return NotificationOut.of(notifications.mark_read(user.id, notification_id))
