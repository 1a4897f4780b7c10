"""The top N pill: "Top 5" above the grid while the spec keeps only its first N rows (a
question like "top 5 regions by revenue", or a report saved so); its x shows every row."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.state.explorer import ExplorerState


def top_n_pill() -> rx.Component:
    return rx.cond(
        ExplorerState.limit_label != "",
        rx.el.span(
            theme.icon("list-ordered", 12),
            rx.el.span(ExplorerState.limit_label, style=theme.PILL_TEXT),
            rx.el.button(
                theme.icon("x", 12),
                type="button",
                id="top-n-clear",
                aria_label="Show every row",
                on_click=ExplorerState.clear_limit,
                style=theme.BUTTON_GHOST_SMALL,
            ),
            id="top-n-pill",
            role="status",
            title="Only these first rows of the sorted result are shown, counted and exported",
            style=theme.PILL,
        ),
    )
