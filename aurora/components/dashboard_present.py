"""Present mode ("stories"): the active tab's tiles one at a time, full screen, in reading
order, each with its caption below. Arrow keys (or the buttons) move; Escape leaves.

The keys are listened for on the window while the overlay is shown
(aurora.components.dashboard_live.keys)."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from aurora import theme
from aurora.components.dashboard_live import keys
from aurora.state.dashboard_view import DashboardState
from aurora.state.dashboards import TileView

BAR = {"display": "flex", "gap": "8px", "align_items": "center"}


def _slide(body: Callable[[rx.Var[TileView]], rx.Component]) -> Callable[..., rx.Component]:
    def one(t: rx.Var[TileView]) -> rx.Component:
        return rx.cond(
            t.id == DashboardState.slide_tile,
            rx.el.div(
                rx.el.h2(t.title, class_name="present-title", style=theme.H1),
                rx.el.div(
                    body(t),
                    style=theme.PRESENT_BODY,
                    class_name="present-body",
                ),
                rx.cond(
                    t.caption != "",
                    rx.html(t.caption, class_name="present-caption", style=theme.PRESENT_CAPTION),
                ),
                class_name="present-slide",
                data_tile_id=t.id,
                style=theme.PRESENT_SLIDE,
            ),
        )

    return one


def present_overlay(body: Callable[[rx.Var[TileView]], rx.Component]) -> rx.Component:
    """`body(t)` draws a tile's content, as the grid does."""
    return rx.cond(
        DashboardState.presenting,
        rx.el.div(
            rx.el.div(
                rx.el.span(
                    (DashboardState.slide + 1).to_string()
                    + " / "
                    + DashboardState.slide_count.to_string(),
                    id="present-position",
                    style=theme.MUTED,
                ),
                rx.spacer(),
                theme.icon_button(
                    "chevron-left",
                    "Previous tile",
                    id="present-prev",
                    on_click=DashboardState.present_move(-1),
                ),
                theme.icon_button(
                    "chevron-right",
                    "Next tile",
                    id="present-next",
                    on_click=DashboardState.present_move(1),
                ),
                theme.icon_button(
                    "x",
                    "Leave present mode",
                    id="present-close",
                    on_click=DashboardState.stop_presenting,
                ),
                style=BAR,
            ),
            rx.foreach(DashboardState.tiles, _slide(body)),
            keys(on_key=DashboardState.present_key),
            id="dashboard-present",
            tab_index=0,
            role="dialog",
            aria_label="Present mode",
            style=theme.PRESENT_OVERLAY,
        ),
    )
