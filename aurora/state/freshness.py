""" "New data available": the explorer learns that the dataset on screen got a new version.

While a dataset is on screen, a ticker in the page (aurora.components.dashboard_live) asks
the API for its current version every `CHECK_SECONDS`; the first answer for a dataset is the
version on screen, a higher one later raises the notice. Refresh runs the query again and
takes that version as the one on screen. A tab that is closed stops asking (the ticker is
the browser's), so no server loop outlives the page.
"""

from __future__ import annotations

import reflex as rx

from aurora.api_client import ApiError
from aurora.state import session
from aurora.state.base import PageState
from aurora.state.explorer import ExplorerState

CHECK_SECONDS = 10


@session.forgotten
class FreshnessState(PageState, rx.State):
    dataset: str = ""  # whose version `shown` is
    shown: int = -1  # the version on screen
    newest: int = -1  # the newest the API reported
    new_data: bool = False

    @rx.event
    async def check(self):
        explorer = await self.get_state(ExplorerState)
        key = explorer.dataset_key
        if not key:
            return None
        try:
            answer = await (await self._api()).dataset_version(key)
        except ApiError:
            return None  # a notice is a courtesy: a failed check just waits for the next
        version = answer.get("version")
        if not isinstance(version, int):
            self.dataset, self.new_data = key, False
            return None
        if key != self.dataset:
            self.dataset, self.shown, self.newest, self.new_data = key, version, version, False
            return None
        self.newest = version
        self.new_data = version > self.shown
        return None

    @rx.event
    def refresh(self):
        self.shown, self.new_data = self.newest, False
        return ExplorerState.run_query

    @rx.event
    def dismiss(self):
        self.shown, self.new_data = self.newest, False
