"""Which filter-pill bars show all their pills: a view setting of the tab, nothing else.

A leaf state (it imports no other state): each page's pills come from its own state, only the
open/closed flag of its bar lives here. It holds no data, so sign-out leaves it as it is."""

from __future__ import annotations

import reflex as rx

BARS = ("explore", "pivot")


class PillBarState(rx.State):
    """The bars (`BARS`) whose "+N more" chip is open."""

    open_bars: list[str] = []

    @rx.event
    def toggle(self, bar: str) -> None:
        if bar not in BARS:  # a client names the bar: keep the list to the real ones
            return
        if bar in self.open_bars:
            self.open_bars = [b for b in self.open_bars if b != bar]
        else:
            self.open_bars = [*self.open_bars, bar]
