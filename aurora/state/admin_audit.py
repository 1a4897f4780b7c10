"""Admin: the audit log, filtered by user, action and time, one page at a time."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import reflex as rx

from aurora import admin_forms as af
from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.admin_people import AdminPageMixin

PAGE_SIZE = 50


@dataclasses.dataclass
class AuditItem:
    at: str = ""
    username: str = ""
    action: str = ""
    dataset: str = ""
    detail: str = ""


@session.forgotten
class AdminAuditState(AdminPageMixin, rx.State):
    items: list[AuditItem] = []
    user: str = ""
    action: str = ""
    since: str = ""
    until: str = ""
    page: int = 1
    total: int = 0

    @rx.var
    def range_text(self) -> str:
        if not self.items:
            return "No entries"
        first = (self.page - 1) * PAGE_SIZE + 1
        return f"{first:,}\u2013{first + len(self.items) - 1:,} of {self.total:,}"

    @rx.var
    def has_next(self) -> bool:
        return self.page * PAGE_SIZE < self.total

    @rx.event
    async def load(self):
        return await self._fetch()

    async def _fetch(self) -> Any:
        client, away = await self._admin_client()
        if client is None:
            return away
        try:
            answer = await client.audit(
                user=self.user.strip(),
                action=self.action.strip(),
                since=af.audit_time(self.since),
                until=af.audit_time(self.until),
                page=self.page,
                page_size=PAGE_SIZE,
            )
        except ApiError as exc:
            return self._failed(exc)
        self.total = int(answer.get("total") or 0)
        self.items = [
            AuditItem(
                at=str(e.get("at") or "")[:19].replace("T", " "),
                username=str(e.get("username") or ""),
                action=str(e.get("action") or ""),
                dataset=str(e.get("dataset") or ""),
                detail=json.dumps(e.get("detail") or {}, default=str)[:300],
            )
            for e in answer.get("items", [])
        ]
        self.error = ""
        return None

    @rx.event
    def set_filter(self, field: str, value: str):
        if field in ("user", "action", "since", "until"):
            setattr(self, field, value)

    @rx.event
    async def apply(self):
        self.page = 1
        return await self._fetch()

    @rx.event
    async def next_page(self):
        self.page += 1
        return await self._fetch()

    @rx.event
    async def prev_page(self):
        self.page = max(1, self.page - 1)
        return await self._fetch()
