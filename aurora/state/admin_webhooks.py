"""Admin: webhook targets (create with the secret shown once, test send with its outcome,
delete). The URL's host must be in the API's WEBHOOK_ALLOWED_HOSTS; the API says so."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora import once
from aurora.api_client import ApiClient, ApiError
from aurora.once import show_once
from aurora.state import session
from aurora.state.admin_people import AdminPageMixin

SECRET_SHOWN_FOR_S = 120
FORMATS = ("slack", "teams", "generic")


@dataclasses.dataclass
class HookItem:
    id: str = ""
    name: str = ""
    url: str = ""
    format: str = ""
    created: str = ""
    outcome: str = ""  # the last test send's, in words
    sent: bool = False


def _outcome(result: dict[str, Any]) -> tuple[str, bool]:
    attempts = int(result.get("attempts") or 0)
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if result.get("status") == "sent":
        return f"Sent ({tries}).", True
    return f"Failed after {tries}: {result.get('error') or 'no reason given'}", False


@session.forgotten
class AdminWebhooksState(AdminPageMixin, rx.State):
    hooks: list[HookItem] = []
    new_name: str = ""
    new_url: str = ""
    new_format: str = "slack"
    # The secret is shown once, read by the browser from aurora.once: never in state.
    created_ref: str = ""
    created_name: str = ""

    @rx.event
    async def load(self):
        client, away = await self._admin_client()
        if client is None:
            return away
        self.created_ref = ""
        return await self._refresh(client)

    async def _refresh(self, client: ApiClient) -> Any:
        try:
            listing = await client.webhooks()
        except ApiError as exc:
            return self._failed(exc)
        kept = {h.id: h for h in self.hooks}
        self.hooks = [
            HookItem(
                id=str(w["id"]),
                name=str(w.get("name", "")),
                url=str(w.get("url", "")),
                format=str(w.get("format", "")),
                created=str(w.get("created_at") or "")[:16].replace("T", " "),
                outcome=kept[str(w["id"])].outcome if str(w["id"]) in kept else "",
                sent=kept[str(w["id"])].sent if str(w["id"]) in kept else False,
            )
            for w in listing
        ]
        return None

    @rx.event
    def set_new_name(self, value: str):
        self.new_name = value

    @rx.event
    def set_new_url(self, value: str):
        self.new_url = value

    @rx.event
    def set_new_format(self, value: str):
        self.new_format = value if value in FORMATS else "generic"

    @rx.event
    async def create(self):
        if not self.new_name.strip() or not self.new_url.strip():
            self.error = "Give the webhook a name and the URL its service gave you."
            return None
        client, away = await self._admin_client()
        if client is None:
            return away
        body = {
            "name": self.new_name.strip(),
            "url": self.new_url.strip(),
            "format": self.new_format,
        }
        try:
            made = await client.create_webhook(body)
        except ApiError as exc:
            return self._failed(exc)
        value = {"key": str(made.get("secret", "")), "tab": self.router.session.client_token}
        self.created_ref = await once.put(value, SECRET_SHOWN_FOR_S)
        self.created_name = body["name"]
        self.new_name, self.new_url, self.error, self.notice = "", "", "", ""
        follow_up = await self._refresh(client)
        shown = rx.call_script(show_once(self.created_ref, "webhook-secret"))
        return shown if follow_up is None else [follow_up, shown]

    @rx.event
    def forget_created(self):
        self.created_ref = ""

    @rx.event
    async def test(self, webhook_id: str):
        client, away = await self._admin_client()
        if client is None:
            return away
        try:
            result = await client.test_webhook(webhook_id)
        except ApiError as exc:
            return self._failed(exc)
        outcome, sent = _outcome(result)
        self.hooks = [
            dataclasses.replace(h, outcome=outcome, sent=sent) if h.id == webhook_id else h
            for h in self.hooks
        ]
        return None

    @rx.event
    async def delete(self, webhook_id: str):
        client, away = await self._admin_client()
        if client is None:
            return away
        try:
            await client.delete_webhook(webhook_id)
        except ApiError as exc:
            return self._failed(exc)
        self.notice = "Webhook deleted. Schedules and alerts that named it fail their sends to it."
        return await self._refresh(client)
