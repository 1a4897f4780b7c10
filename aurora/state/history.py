"""The explorer's History panel: a versioned dataset's versions, and reading one of them.

Picking a version (or typing a time) sets the explorer's `as_of`, which goes into every
spec the explorer sends (page, count, export, saved report) until the pill is cleared.
The history itself stays here: the explorer holds only what the spec needs.
"""

from __future__ import annotations

import reflex as rx

from aurora import lake_history
from aurora.api_client import ApiError
from aurora.lake_history import VersionRow
from aurora.state import session
from aurora.state.base import PageState
from aurora.state.explorer import ExplorerState


@session.forgotten
class HistoryState(PageState, rx.State):
    open: bool = False
    dataset: str = ""  # whose versions are listed
    versioned: bool = True
    versions: list[VersionRow] = []
    time_text: str = ""  # the "as of a time" input, UTC

    @rx.event
    async def toggle(self):
        """Open the panel with the current dataset's versions (fetched again each time: a
        new version may have arrived), or close it."""
        if self.open:
            self.open = False
            return None
        explorer = await self.get_state(ExplorerState)
        try:
            answer = await (await self._api()).history(explorer.dataset_key)
        except ApiError as exc:
            self.versions = []
            return self._failed(exc)
        self.dataset, self.open, self.error = explorer.dataset_key, True, ""
        self.versioned = bool(answer.get("versioned"))
        self.versions = lake_history.version_rows(answer)
        return None

    @rx.event
    async def read_version(self, version: int):
        when = next((v.when for v in self.versions if v.version == version), "")
        explorer = await self.get_state(ExplorerState)
        if explorer.dataset_key != self.dataset:
            self.open = False  # the panel listed another dataset's versions
            return None
        explorer._read_as_of({"version": int(version)}, when)
        self.open = False
        return ExplorerState.run_query

    @rx.event
    def set_time_text(self, text: str):
        self.time_text = text

    @rx.event
    async def read_at_time(self):
        stamp = lake_history.typed_time(self.time_text)
        if stamp is None:
            self.error = "Type a date and time (UTC)."
            return None
        explorer = await self.get_state(ExplorerState)
        explorer._read_as_of({"timestamp": stamp})
        self.open, self.error = False, ""
        return ExplorerState.run_query
