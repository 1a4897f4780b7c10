"""The Columns menu: a search over the schema's columns and show all / show none of the
columns it matches (all of them without a search). Visibility itself is the explorer's."""

from __future__ import annotations

import reflex as rx

from aurora.state.explorer import ExplorerState


class ColumnPickerState(rx.State):
    search: str = ""

    @rx.event
    def set_search(self, text: str):
        self.search = text

    async def _matching(self) -> tuple[ExplorerState, list[str]]:
        explorer = await self.get_state(ExplorerState)
        needle = self.search.strip().lower()
        names = [
            c.name
            for c in explorer.schema_columns
            if not needle or needle in f"{c.label} {c.name}".lower()
        ]
        return explorer, names

    @rx.event
    async def show_all(self):
        explorer, names = await self._matching()
        explorer.hidden = [h for h in explorer.hidden if h not in names]
        explorer.page = 1
        return ExplorerState.run_query

    @rx.event
    async def show_none(self):
        """Hide the matching columns (the grid still shows one when all are hidden)."""
        explorer, names = await self._matching()
        explorer.hidden = [*explorer.hidden, *(n for n in names if n not in explorer.hidden)]
        explorer.sort = [s for s in explorer.sort if s.column not in names]
        explorer.page = 1
        return ExplorerState.run_query
