"""The headless browser's sign-in for a dashboard PDF (backend.dashboards.pdf).

The export job opens `/print-sign-in?ticket=<print token>&next=/dashboards/<id>?f=...`. The
ticket is a login token of the export's owner that the API accepts only for reading that
one dashboard (backend.security.scopes), for five minutes, and revokes when the print ends.
This page proves it with the API (`/api/auth/me`), then signs the tab in exactly as the
sign-in page does (sealed token, a fresh session cookie) and goes on to the dashboard: the
PDF is the viewer's own page under their own permissions. A ticket the API refuses, or a
`next` that is not a dashboard page, signs nothing in.
"""

from __future__ import annotations

import re

import reflex as rx

from aurora import session_cookie
from aurora.api_client import ApiClient, ApiError
from aurora.sealing import seal
from aurora.state import session
from aurora.state.auth import AuthState

# Where a print may go: one dashboard page, with `print=1` and its filters in `f`
# (backend.dashboards.pdf.sign_in_url, aurora.dashboard_doc).
DASHBOARD_PAGE = re.compile(r"/dashboards/[A-Za-z0-9_-]{1,32}(\?[A-Za-z0-9=&_\-.%]*)?")


class PrintSignInState(rx.State):
    print_error: str = ""

    @rx.event
    async def sign_in(self):
        params = self.router.url.query_parameters
        ticket, target = str(params.get("ticket") or ""), str(params.get("next") or "")
        if not ticket or not DASHBOARD_PAGE.fullmatch(target):
            self.print_error = "This print link is not valid."
            return None
        auth = await self.get_state(AuthState)
        try:
            user = await ApiClient(ticket, auth._browser_addr()).me()
        except ApiError as exc:
            self.print_error = exc.message
            return None
        await session.forget_all(self)
        auth._generation = session.new_generation(user.get("id", ""))
        auth._token = seal(ticket)
        auth.user_name = str(user.get("display_name") or user.get("username") or "")
        auth.role = str(user.get("role") or "viewer")
        claim = await session_cookie.bind(auth._tab())
        return rx.call_script(session_cookie.claim_script(claim, target))
