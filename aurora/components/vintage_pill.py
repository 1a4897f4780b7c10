"""The warning beside the vintage pickers when the rows come from more than one load.

Each load is a snapshot of the same facts, so a sum over several loads counts them again:
the pill says how many loads the numbers on screen span.
"""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.state.explorer import ExplorerState

_WARNING: dict[str, object] = {
    "display": "inline-flex",
    "align_items": "center",
    "gap": "4px",
    "padding": "1px 10px",
    "border_radius": theme.RADIUS_PILL,
    "background": theme.AMBER_50,
    "border": "1px solid #fde68a",
    "color": theme.AMBER_700,
    "font_size": "12px",
    "white_space": "nowrap",
    "flex_shrink": "0",
}


def vintage_warning() -> rx.Component:
    return rx.cond(
        ExplorerState.vintage_span > 1,
        rx.el.span(
            theme.icon("triangle-alert", 13),
            rx.el.span("sums span ", ExplorerState.vintage_span.to_string(), " loads"),
            id="vintage-warning",
            role="status",
            title="Every load is a snapshot of the same facts: a sum over several loads "
            "counts them again. Pick one load to see it alone.",
            style=_WARNING,
        ),
    )
