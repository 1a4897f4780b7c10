""" "New data available" on a dashboard: a dataset one of its tiles reads got a new version.

As the explorer's notice (aurora.state.freshness): while the dashboard is on screen a ticker
in the page asks the API for the current version of each dataset its report tiles read,
every `CHECK_SECONDS`. The first answers are the versions on screen; a higher one later
raises the notice, and Refresh loads every tile again. A dashboard set to auto-refresh does
not wait for its interval: it refreshes as soon as a new version is seen.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import dashboard_doc as docs
from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.base import PageState
from aurora.state.dashboard_view import DashboardState
from aurora.state.freshness import CHECK_SECONDS

__all__ = ["CHECK_SECONDS", "DashboardFreshnessState"]


@session.forgotten
class DashboardFreshnessState(PageState, rx.State):
    dashboard: str = ""  # whose versions `_shown` holds
    new_data: bool = False
    _shown: dict[str, int] = {}  # dataset key -> the version on screen
    _newest: dict[str, int] = {}

    @rx.event
    async def check(self):
        view = await self.get_state(DashboardState)
        keys = docs.datasets(view._doc)
        if not keys:
            return None
        versions = await self._versions(keys)
        if view.dashboard_id != self.dashboard:
            self.dashboard, self._shown, self.new_data = view.dashboard_id, versions, False
            return None
        self._newest = versions
        newer = any(v > self._shown.get(k, v) for k, v in versions.items())
        self._shown = {**versions, **self._shown}  # a dataset added since is on screen as read
        if not newer:
            return None
        if view.refresh_seconds > 0 and not view.editing:
            self._shown, self.new_data = dict(versions), False
            return DashboardState.refresh
        self.new_data = True
        return None

    async def _versions(self, keys: list[str]) -> dict[str, int]:
        """Each dataset's current version; a failed or unversioned answer is left out (a
        notice is a courtesy: the next check asks again)."""
        client = await self._api()
        found: dict[str, int] = {}
        for key in keys:
            try:
                answer: dict[str, Any] = await client.dataset_version(key)
            except ApiError:
                continue
            version = answer.get("version")
            if isinstance(version, int):
                found[key] = version
        return found

    @rx.event
    def refresh(self):
        self._see_newest()
        return DashboardState.refresh

    @rx.event
    def dismiss(self):
        self._see_newest()

    def _see_newest(self) -> None:
        self._shown, self.new_data = {**self._shown, **self._newest}, False
