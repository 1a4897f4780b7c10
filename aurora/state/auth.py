"""Who is signed in. The API token lives in a backend-only var of this browser session."""

from __future__ import annotations

import contextlib
import re
from typing import Any
from urllib.parse import quote

import reflex as rx

from aurora import session_cookie
from aurora.api_client import ApiClient, ApiError
from aurora.sealing import seal, unseal
from aurora.state import session

SESSION_ENDED = "Your session has ended. Please sign in again."
# A page of this app to return to after sign-in: a path, never another origin.
SAFE_NEXT = re.compile(r"/(?!/)[A-Za-z0-9/_\-.]*(\?[A-Za-z0-9=&_\-.%]*)?")


class AuthState(rx.State):
    """Login, logout and the bearer token. `_token` never reaches the browser, and is kept
    sealed (aurora.sealing): Reflex stores state, backend-only vars included."""

    _token: str = ""
    # Who signed in and when (session.new_generation): background answers carry it.
    _generation: str = ""
    user_name: str = ""
    # The API decides what a role may do (403); the UI only hides what would be refused.
    role: str = ""
    login_error: str = ""
    login_busy: bool = False

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    def _client(self) -> ApiClient:
        return ApiClient(unseal(self._token), self._browser_addr())

    def _tab(self) -> str:
        return str(self.router.session.client_token)

    async def _signed_in(self) -> bool:
        """A token, presented with the cookie bound to this tab at sign-in: a replayed
        client token alone (from sessionStorage or a state file) is no session."""
        cookies = str(self.router.headers.cookie or "")
        return bool(self._token) and await session_cookie.proven(self._tab(), cookies)

    def _browser_addr(self) -> str:
        # The socket peer of this browser's websocket (Reflex reads X-Forwarded-For only
        # with its trusted_proxy_hops set): the API counts failed logins per this address.
        return str(self.router.session.client_ip or "")

    # A background event: the sign-in waits for the API's login pool (argon2, a queue in a
    # burst) without holding the tab's state lock. Held, a wait past Reflex's Redis lock
    # expiration (10 s) lost the sign-in's work after the API had done it (LockExpiredError)
    # and the tab, shown its name, was signed out by the page load that followed.
    @rx.event(background=True)
    async def login(self, form: dict[str, Any]):
        username = str(form.get("username", "")).strip()
        password = str(form.get("password", ""))
        async with self:
            if not username or not password:
                self.login_error = "Enter your user name and password."
                return
            self.login_busy = True
            client = ApiClient(client_addr=self._browser_addr())
        try:
            answer = await client.login(username, password)
        except ApiError as exc:
            async with self:
                self.login_error, self.login_busy = exc.message, False
            return
        async with self:
            await self._forget_the_last_user()
            self._signed_in_as(answer, username)
            tab, next_page = self._tab(), self._next_page()
        claim = await session_cookie.bind(tab)  # a new cookie: rotated at sign-in
        yield rx.call_script(session_cookie.claim_script(claim, next_page))

    async def _forget_the_last_user(self) -> None:
        """Nothing of an earlier sign-in on this tab stays (session.forget_all, which also
        cancels what the tab still had running). A tab nobody signed in on has nothing to
        forget (sign-out and a session's end forget before they clear `_generation`): its
        states are not loaded, reset and sent whole, which in a burst of sign-ins was most
        of each sign-in's work in the UI server."""
        if self._generation:
            await session.forget_all(self)
        else:
            session.cancel_tasks(self._tab())

    def _signed_in_as(self, answer: dict[str, Any], username: str) -> None:
        user = answer.get("user") or {}
        self._generation = session.new_generation(user.get("id", username))
        self._token = seal(str(answer.get("access_token", "")))
        self.user_name = str(user.get("display_name") or user.get("username") or username)
        self.role = str(user.get("role") or "viewer")
        self.login_error, self.login_busy = "", False

    def _next_page(self) -> str:
        """Where the sign-in page was asked to return to (a deep link), else the explorer."""
        wanted = str(self.router.url.query_parameters.get("next") or "")
        return wanted if SAFE_NEXT.fullmatch(wanted) else "/"

    @rx.event
    async def logout(self):
        if self._token:
            with contextlib.suppress(ApiError):
                await self._client().logout()
        self._token, self.user_name, self.login_error, self.role = "", "", "", ""
        self._generation = ""
        await session_cookie.unbind(self._tab())
        await session.forget_all(self)
        return [rx.call_script(session_cookie.release_script()), rx.redirect("/login")]

    def _to_login(self) -> Any:
        """To the sign-in page, which returns here afterwards."""
        here = str(self.router.url.path or "/")
        query = str(self.router.url.query or "")
        target = f"{here}?{query}" if query else here
        if target == "/" or not SAFE_NEXT.fullmatch(target):
            return rx.redirect("/login")
        return rx.redirect(f"/login?next={quote(target, safe='')}")

    @rx.event
    async def leave_login_if_signed_in(self):
        if await self._signed_in():
            return rx.redirect(self._next_page())
        return None

    @rx.event
    async def session_expired(self):
        """A 401 from the API: drop the token and send the user back to sign in."""
        self._token, self.user_name, self.role, self._generation = "", "", "", ""
        self.login_error = SESSION_ENDED
        await session_cookie.unbind(self._tab())
        await session.forget_all(self)
        return rx.redirect("/login")
