"""The "New data available" notices above the explorer's grid and a dashboard's tiles, and
the tickers that check for them."""

from __future__ import annotations

from typing import Any

import reflex as rx

from aurora import theme
from aurora.components.dashboard_live import ticker
from aurora.state.dashboard_freshness import DashboardFreshnessState
from aurora.state.dashboard_view import DashboardState
from aurora.state.explorer import ExplorerState
from aurora.state.freshness import CHECK_SECONDS, FreshnessState

F = FreshnessState


def _bar(bar_id: str, text: rx.Component, *, refresh: Any, dismiss: Any) -> rx.Component:
    """The notice: what changed, Refresh (`<bar_id>-refresh`) and Dismiss."""
    return rx.el.div(
        theme.icon("refresh-cw", 14),
        text,
        theme.button("Refresh", icon_name="refresh-cw", id=f"{bar_id}-refresh", on_click=refresh),
        theme.icon_button("x", "Dismiss", on_click=dismiss),
        id=bar_id,
        role="status",
        style=theme.NOTICE_BAR,
    )


def new_data_notice() -> rx.Component:
    return rx.fragment(
        ticker(seconds=CHECK_SECONDS, on_tick=F.check),
        rx.el.span(hidden=True, on_mount=F.check),  # the version on screen, at once
        rx.cond(
            F.new_data & (F.dataset == ExplorerState.dataset_key),
            _bar(
                "new-data",
                rx.el.span(
                    "New data available: version ",
                    F.newest.to_string(),
                    rx.cond(ExplorerState.as_of_label != "", " (you are reading an older one)", ""),
                ),
                refresh=F.refresh,
                dismiss=F.dismiss,
            ),
        ),
    )


def dashboard_new_data_notice() -> rx.Component:
    d = DashboardFreshnessState
    return rx.fragment(
        ticker(seconds=CHECK_SECONDS, on_tick=d.check),
        # the versions on screen, as soon as the dashboard's document is in
        rx.cond(DashboardState.dashboard_id != "", rx.el.span(hidden=True, on_mount=d.check)),
        rx.cond(
            d.new_data & (d.dashboard == DashboardState.dashboard_id),
            _bar(
                "dashboard-new-data",
                rx.el.span("New data available in a dataset these tiles read"),
                refresh=d.refresh,
                dismiss=d.dismiss,
            ),
        ),
    )
