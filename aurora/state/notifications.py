"""The navigation bar's notifications menu: the unread count (asked when a page's bar mounts,
when the menu opens, and every minute while the tab is visible), the newest notifications,
marking one or all read."""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any

import reflex as rx

from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.base import PageState

SHOWN = 20


@dataclasses.dataclass
class NoteItem:
    id: str = ""
    title: str = ""
    body: str = ""
    link: str = ""
    at: str = ""
    unread: bool = True


def _item(n: dict[str, Any]) -> NoteItem:
    return NoteItem(
        id=str(n.get("id", "")),
        title=str(n.get("title", "")),
        body=str(n.get("body", "")),
        link=str(n.get("link") or ""),
        at=str(n.get("created_at") or "")[:16].replace("T", " "),
        unread=n.get("read_at") is None,
    )


async def _recount(state: Any) -> None:
    with contextlib.suppress(ApiError):
        unread = await (await state._api()).unread_notifications()
        if unread != state.unread:
            state.unread = unread


@session.forgotten
class NotificationState(PageState, rx.State):
    unread: int = 0
    items: list[NoteItem] = []

    @rx.event
    async def count(self):
        """The bar mounted: only the count. A refusal changes nothing here: the page's own
        load signs an ended session out."""
        await _recount(self)

    @rx.event
    async def poll(self):
        """The bell's minute poll: the count alone (one indexed COUNT behind the API), set
        only when it moved, so an unchanged count writes no state and sends the tab nothing
        (Reflex saves and sends only touched state)."""
        await _recount(self)

    @rx.event
    async def opened(self, is_open: bool):
        if not is_open:
            return None
        try:
            listing = await (await self._api()).notifications(page_size=SHOWN)
        except ApiError as exc:
            return self._failed(exc)
        self.items = [_item(n) for n in listing.get("items") or []]
        self.unread, self.error = int(listing.get("unread") or 0), ""
        return None

    @rx.event
    async def read(self, notification_id: str):
        try:
            await (await self._api()).read_notification(notification_id)
        except ApiError as exc:
            return self._failed(exc)
        was_unread = any(n.id == notification_id and n.unread for n in self.items)
        self.items = [
            dataclasses.replace(n, unread=False) if n.id == notification_id else n
            for n in self.items
        ]
        self.unread = max(0, self.unread - int(was_unread))
        return None

    @rx.event
    async def read_all(self):
        try:
            await (await self._api()).read_all_notifications()
        except ApiError as exc:
            return self._failed(exc)
        self.items = [dataclasses.replace(n, unread=False) for n in self.items]
        self.unread = 0
        return None
