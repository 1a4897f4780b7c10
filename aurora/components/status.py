"""Around the grid: the active-filter pills, the error banner, the pager and the empty panel."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.filter_pills import pill_bar
from aurora.state.explorer import ExplorerState
from aurora.state.models import Pill


def _pill(p: rx.Var[Pill]) -> rx.Component:
    return rx.el.span(
        rx.el.span(p.text, style=theme.PILL_TEXT, title=p.text),
        rx.el.button(
            theme.icon("x", 12),
            type="button",
            aria_label="Remove filter: " + p.text,
            on_click=ExplorerState.remove_filter(p.id),
            style=theme.PILL_CLEAR_BUTTON,
        ),
        style=theme.PILL,
        class_name="filter-pill",
    )


def filter_pills() -> rx.Component:
    return pill_bar(ExplorerState.pills, _pill, "explore", padding="5px 10px 0 10px")


def error_banner() -> rx.Component:
    return rx.cond(
        ExplorerState.error_title != "",
        rx.el.div(
            theme.icon("circle-alert", 16),
            rx.el.div(
                rx.el.strong(ExplorerState.error_title),
                rx.el.div(ExplorerState.error_message, style=theme.TEXT_BODY),
                rx.cond(
                    ExplorerState.error_hint != "",
                    rx.el.div(ExplorerState.error_hint, style=theme.MEDIUM),
                ),
                style=theme.FLEX_FILL,
            ),
            theme.icon_button("x", "Dismiss", on_click=ExplorerState.dismiss_error),
            id="error-banner",
            role="alert",
            style=theme.BANNER,
        ),
    )


def pager() -> rx.Component:
    return rx.hstack(
        rx.cond(
            ExplorerState.loading,
            rx.hstack(
                rx.spinner(size="1"),
                rx.text("Running…", style=theme.MUTED),
                spacing="1",
                align="center",
                id="query-spinner",
            ),
        ),
        rx.cond(
            ExplorerState.has_result & ~ExplorerState.loading,
            rx.text(ExplorerState.elapsed_text, style=theme.MUTED),
        ),
        rx.spacer(),
        rx.el.span(
            ExplorerState.row_range,
            id="row-range",
            aria_live="polite",
            style=theme.ROW_RANGE,
        ),
        theme.icon_button(
            "chevron-left",
            "Previous page",
            id="page-prev",
            disabled=~ExplorerState.can_prev,
            on_click=ExplorerState.prev_page,
        ),
        theme.icon_button(
            "chevron-right",
            "Next page",
            id="page-next",
            disabled=~ExplorerState.can_next,
            on_click=ExplorerState.next_page,
        ),
        style=theme.STATUS_BAR,
    )


def empty_panel() -> rx.Component:
    return rx.el.div(
        theme.icon("table-2", 32),
        rx.el.div("Pick a dataset to start", style=theme.EMPTY_PANEL_TITLE),
        rx.el.div(
            "Choose one of the datasets on the left. Nothing runs until you do.",
            style=theme.MUTED,
        ),
        id="dataset-empty",
        style=theme.EMPTY_PANEL,
    )


def rls_empty_notice() -> rx.Component:
    """Why an empty grid is empty when row-level security is the reason."""
    return rx.cond(
        ExplorerState.rls_no_rows & ExplorerState.has_result & (ExplorerState.rows.length() == 0),
        rx.el.div(
            "Row-level security hides every row of this dataset from you: your account has "
            "no value for an attribute it filters on. An administrator can add one.",
            id="rls-empty",
            role="status",
            style=theme.NOTICE_BAR,
        ),
    )
