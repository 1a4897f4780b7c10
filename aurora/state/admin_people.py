"""Admin: users (create, role, attributes, deactivate, reset password) and API keys
(created and shown once, revoked)."""

from __future__ import annotations

import dataclasses
from typing import Any

import reflex as rx

from aurora import admin_forms as af
from aurora import once
from aurora.api_client import ApiClient, ApiError
from aurora.once import show_once
from aurora.state import session
from aurora.state.base import PageState


@dataclasses.dataclass
class UserItem:
    id: int = 0
    username: str = ""
    display_name: str = ""
    role: str = "viewer"
    attributes: str = ""
    active: bool = True


@dataclasses.dataclass
class KeyItem:
    id: str = ""
    prefix: str = ""
    username: str = ""
    name: str = ""
    created: str = ""
    last_used: str = ""
    revoked: bool = False


KEY_SHOWN_FOR_S = 120


def _minute(value: Any) -> str:
    return str(value or "")[:16].replace("T", " ")


class AdminPageMixin(PageState, mixin=True):
    """What every admin page shares: the admin check, error and notice."""

    notice: str = ""

    async def _admin_client(self) -> tuple[ApiClient | None, Any]:
        """The client of a signed-in admin, or None and where the browser goes instead."""
        return await self._signed_in_api(admin=True)

    def _show_failure(self, exc: ApiError) -> None:
        self.error, self.notice = exc.message, ""


@session.forgotten
class AdminUsersState(AdminPageMixin, rx.State):
    users: list[UserItem] = []
    _attributes: dict[int, dict[str, Any]] = {}

    new_username: str = ""
    new_display: str = ""
    new_password: str = ""
    new_role: str = "viewer"
    new_attributes: str = ""

    edit_open: bool = False
    edit_id: int = 0
    edit_username: str = ""
    edit_display: str = ""
    edit_role: str = "viewer"
    edit_attributes: str = ""
    edit_active: bool = True
    edit_password: str = ""
    edit_error: str = ""

    @rx.event
    async def load(self):
        client, away = await self._admin_client()
        if client is None:
            return away
        return await self._refresh(client)

    async def _refresh(self, client: ApiClient) -> Any:
        try:
            listing = await client.users()
        except ApiError as exc:
            return self._failed(exc)
        self._attributes = {int(u["id"]): dict(u.get("attributes") or {}) for u in listing}
        self.users = [
            UserItem(
                id=int(u["id"]),
                username=str(u["username"]),
                display_name=str(u.get("display_name") or ""),
                role=str(u.get("role") or "viewer"),
                attributes=af.attributes_text(u.get("attributes") or {}),
                active=bool(u.get("active")),
            )
            for u in listing
        ]
        return None

    @rx.event
    def set_new(self, field: str, value: str):
        if field in ("new_username", "new_display", "new_password", "new_role", "new_attributes"):
            setattr(self, field, value)

    @rx.event
    async def create(self):
        attributes, problem = af.parse_attributes(self.new_attributes)
        if problem:
            self.error = problem
            return None
        client, away = await self._admin_client()
        if client is None:
            return away
        password, self.new_password = self.new_password, ""  # cleared, saved or not
        body = {
            "username": self.new_username.strip(),
            "password": password,
            "role": self.new_role,
            "display_name": self.new_display.strip(),
            "attributes": attributes,
        }
        try:
            await client.create_user(body)
        except ApiError as exc:
            return self._failed(exc)
        self.notice, self.error = f"Created user '{body['username']}'.", ""
        self.new_username = self.new_display = self.new_password = self.new_attributes = ""
        return await self._refresh(client)

    @rx.event
    def start_edit(self, user_id: int):
        u = next((x for x in self.users if x.id == user_id), None)
        if u is None:
            return
        self.edit_id, self.edit_username, self.edit_display = u.id, u.username, u.display_name
        self.edit_role, self.edit_active, self.edit_password = u.role, u.active, ""
        self.edit_attributes = af.format_attributes(self._attributes.get(u.id, {}))
        self.edit_error, self.edit_open = "", True

    @rx.event
    def set_edit_open(self, value: bool):
        self.edit_open = value
        if not value:
            self.edit_password = ""  # a typed password never outlives its form

    @rx.event
    def set_edit(self, field: str, value: Any):
        if field == "edit_active":
            self.edit_active = bool(value)
        elif field in ("edit_display", "edit_role", "edit_attributes", "edit_password"):
            setattr(self, field, value)

    @rx.event
    async def save_edit(self):
        attributes, problem = af.parse_attributes(self.edit_attributes)
        if problem:
            self.edit_error = problem
            return None
        patch: dict[str, Any] = {
            "role": self.edit_role,
            "display_name": self.edit_display.strip(),
            "attributes": attributes,
            "active": self.edit_active,
        }
        if self.edit_password:
            patch["password"] = self.edit_password
        reset, self.edit_password = bool(self.edit_password), ""  # cleared, saved or not
        client, away = await self._admin_client()
        if client is None:
            return away
        try:
            await client.update_user(self.edit_id, patch)
        except ApiError as exc:
            self.edit_error = exc.message
            return None
        self.edit_open, self.error = False, ""
        done = "Password reset and changes saved" if reset else "Saved"
        self.notice = f"{done} for '{self.edit_username}'."
        return await self._refresh(client)

    @rx.event
    async def deactivate(self, user_id: int):
        client, away = await self._admin_client()
        if client is None:
            return away
        try:
            await client.deactivate_user(user_id)
        except ApiError as exc:
            return self._failed(exc)
        name = next((u.username for u in self.users if u.id == user_id), str(user_id))
        self.notice, self.error = f"Deactivated '{name}'; their API keys are revoked.", ""
        return await self._refresh(client)


@session.forgotten
class AdminKeysState(AdminPageMixin, rx.State):
    keys: list[KeyItem] = []
    usernames: list[str] = []
    key_user: str = ""
    key_name: str = ""
    # A new key is shown once, read by the browser from a short-lived server-side value
    # (aurora.once, route in aurora.downloads): never in state, which is stored.
    created_ref: str = ""
    created_for: str = ""

    @rx.event
    async def load(self):
        client, away = await self._admin_client()
        if client is None:
            return away
        self.created_ref = ""
        return await self._refresh(client)

    async def _refresh(self, client: ApiClient) -> Any:
        try:
            keys = await client.api_keys()
            users = await client.users()
        except ApiError as exc:
            return self._failed(exc)
        self.usernames = [str(u["username"]) for u in users if u.get("active")]
        self.key_user = self.key_user or (self.usernames[0] if self.usernames else "")
        self.keys = [
            KeyItem(
                id=str(k["id"]),
                prefix=str(k.get("prefix") or ""),
                username=str(k.get("username") or ""),
                name=str(k.get("name") or ""),
                created=_minute(k.get("created_at")),
                last_used=_minute(k.get("last_used_at")),
                revoked=bool(k.get("revoked_at")),
            )
            for k in keys
        ]
        return None

    @rx.event
    def set_key_user(self, value: str):
        self.key_user = value

    @rx.event
    def set_key_name(self, value: str):
        self.key_name = value

    @rx.event
    async def create(self):
        if not self.key_name.strip():
            self.error = "Name the key after what will use it, e.g. 'nightly export job'."
            return None
        client, away = await self._admin_client()
        if client is None:
            return away
        try:
            made = await client.create_api_key(self.key_user, self.key_name.strip())
        except ApiError as exc:
            return self._failed(exc)
        value = {"key": str(made.get("key", "")), "tab": self.router.session.client_token}
        ref = await once.put(value, KEY_SHOWN_FOR_S)
        self.created_ref, self.created_for = ref, self.key_user
        self.key_name, self.error, self.notice = "", "", ""
        follow_up = await self._refresh(client)
        shown = rx.call_script(show_once(ref, "api-key-secret"))
        return shown if follow_up is None else [follow_up, shown]

    @rx.event
    def forget_created(self):
        self.created_ref = ""

    @rx.event
    async def revoke(self, key_id: str):
        client, away = await self._admin_client()
        if client is None:
            return away
        try:
            await client.revoke_api_key(key_id)
        except ApiError as exc:
            return self._failed(exc)
        self.notice, self.created_ref = "The key is revoked.", ""
        return await self._refresh(client)
