"""What every page's state shares: the API client of the signed-in user, the sign-in check
with its redirect, and one way to take an API refusal (401: the session has ended).

A state mixes `PageState` in (`class XState(PageState, rx.State)`) and uses:

- `await self._api()`: the client of this tab's user, no check (events a page fires after
  its on_load checked the session; the API answers 401 to a stale token anyway);
- `await self._signed_in_api()` / `..._api(admin=True)`: on_load and page entry points, a
  client and None, or None and where the browser goes instead (sign-in; viewers off admin
  pages);
- `self._failed(exc)`: the event's return value for a refusal. A 401 signs the tab out
  (`AuthState.session_expired`); anything else is shown on the page (`_show_failure`, by
  default the message in `error`, or in the var named by `field`);
- `await self._begin()` / `await self._current(generation)`: a background event's session
  generation (aurora.state.session), so an answer for a user who has signed out is dropped.

Every helper carries a leading `_`: Reflex would make a public method an event any browser
may call (tests/ui/test_public_events.py).
"""

from __future__ import annotations

import asyncio
from typing import Any

import reflex as rx

from aurora import vocabulary
from aurora.api_client import ApiClient, ApiError
from aurora.state import session
from aurora.state.auth import AuthState


class PageState(rx.State, mixin=True):
    """A page's state: `error` for what the API refused, and the helpers above."""

    error: str = ""

    async def _api(self) -> ApiClient:
        return (await self.get_state(AuthState))._client()

    async def _signed_in_api(self, admin: bool = False) -> tuple[ApiClient | None, Any]:
        """The client when this tab holds a proven session (and, with `admin`, an admin's);
        else no client and the redirect to return from the event. A page's first load in
        this process also fetches the filter vocabulary (aurora.vocabulary)."""
        auth = await self.get_state(AuthState)
        if not await auth._signed_in():
            return None, auth._to_login()
        if admin and auth.role != "admin":
            return None, rx.redirect("/")
        client = auth._client()
        await vocabulary.load(client)
        return client, None

    def _failed(self, exc: ApiError, field: str = "") -> Any:
        """What an event returns for a refusal: 401 ends the session, the rest is shown."""
        if exc.status == 401:
            return AuthState.session_expired
        if field:
            setattr(self, field, exc.message)
        else:
            self._show_failure(exc)
        return None

    def _show_failure(self, exc: ApiError) -> None:
        self.error = exc.message

    def _forget(self) -> None:
        """Sign-in and sign-out (session.forget_all): back to the defaults."""
        self.reset()

    async def _begin(self) -> str:
        """Inside `async with self` of a background event: the session generation it works
        for; its task is registered with the tab, so sign-out can cancel it."""
        session.track(self.router.session.client_token, asyncio.current_task())
        return (await self.get_state(AuthState))._generation

    async def _current(self, generation: str) -> bool:
        """Inside `async with self`: the session still belongs to the sign-in that asked."""
        return bool(generation) and (await self.get_state(AuthState))._generation == generation
