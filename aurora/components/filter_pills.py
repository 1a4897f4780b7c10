"""The active-filter bar: one pill per part of the top AND, the first few shown.

Past `SHOWN` pills the rest fold into a "+N more" chip that shows them (and then reads "Show
fewer"). A fixed count, not "as many as fit": the pills are rendered from server state, so a
fit-to-width count would need a measuring script in the browser and would change with the
window and the font; six pills of about 25 characters take one to two lines of the explorer at
1280 px, so the grid stays where it is. Metabase's query builder likewise keeps its filter
pills behind a toggle that shows the count and reads "Show filters"/"Hide filters".
"""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from aurora import theme
from aurora.state.models import Pill
from aurora.state.pill_bar import PillBarState

SHOWN = 6
BAR_ID = "filter-pills"


def _more_chip(pills: rx.Var[list[Pill]], bar: str) -> rx.Component:
    expanded = PillBarState.open_bars.contains(bar)
    hidden = pills.length() - SHOWN
    return rx.cond(
        hidden > 0,
        rx.el.button(
            rx.cond(expanded, "Show fewer", "+" + hidden.to_string() + " more"),
            type="button",
            id=f"{BAR_ID}-more",
            aria_expanded=rx.cond(expanded, "true", "false"),
            aria_controls=BAR_ID,
            on_click=PillBarState.toggle(bar),
            style=theme.PILL_BAR_BUTTON,
        ),
    )


def pill_bar(
    pills: rx.Var[list[Pill]],
    pill: Callable[[rx.Var[Pill]], rx.Component],
    bar: str,
    padding: str = "0",
) -> rx.Component:
    """The bar `filter-pills` of one page (`bar` names it for the open/closed flag)."""
    expanded = PillBarState.open_bars.contains(bar)
    return rx.el.div(
        rx.foreach(pills, lambda p, i: rx.cond(expanded | (i < SHOWN), pill(p))),
        _more_chip(pills, bar),
        id=BAR_ID,
        aria_label="Active filters",
        style=theme.pill_bar(pills.length() > 0, padding),
    )
