"""The explorer page: picker on the left, toolbar, pills, banner, grid and pager."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.aggregate_modal import aggregate_modal
from aurora.components.ask_box import ask_box
from aurora.components.calc_modal import calc_modal
from aurora.components.chart_panel import chart_panel
from aurora.components.chrome import dataset_picker, top_bar
from aurora.components.column_summary import column_summary
from aurora.components.export_modal import export_modal
from aurora.components.filter_modal import filter_modal
from aurora.components.grid import result_grid
from aurora.components.history_panel import history_panel
from aurora.components.insights_panel import insights_panel
from aurora.components.join_modal import join_modal
from aurora.components.new_data import new_data_notice
from aurora.components.report_modal import save_report_modal
from aurora.components.status import (
    empty_panel,
    error_banner,
    filter_pills,
    pager,
    rls_empty_notice,
)
from aurora.components.toolbar import toolbar
from aurora.state.chart import ChartState
from aurora.state.explorer import ExplorerState


def _chart_and_insights() -> rx.Component:
    """The chart with its Insights panel beside it (under it when the window is narrow)."""
    return rx.cond(
        ChartState.show,
        rx.el.div(chart_panel(), insights_panel(), id="chart-row", style=theme.CHART_ROW),
    )


def _workspace() -> rx.Component:
    return rx.el.section(
        toolbar(),
        filter_pills(),
        history_panel(),
        new_data_notice(),
        error_banner(),
        rls_empty_notice(),
        column_summary(),
        _chart_and_insights(),
        rx.el.div(
            result_grid(),
            style=theme.GRID_AREA,
        ),
        pager(),
        aria_busy=ExplorerState.loading,
        style=theme.EXPLORE_MAIN,
    )


def explore_page() -> rx.Component:
    return rx.el.div(
        top_bar("explore"),
        ask_box(),
        rx.el.div(
            dataset_picker(),
            rx.cond(ExplorerState.dataset_key == "", empty_panel(), _workspace()),
            style=theme.FILL_ROW,
        ),
        filter_modal(),
        aggregate_modal(),
        calc_modal(),
        export_modal(),
        join_modal(),
        save_report_modal(),
        style=theme.PAGE,
    )
