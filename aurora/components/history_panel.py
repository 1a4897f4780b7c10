"""The explorer's History button and panel, and the pill saying which version is on screen.

The panel lists the dataset's versions (number, time, operation, rows changed); "Read"
on one, or a typed time, reads the dataset as it was then. The pill stays above the grid
while a past version is read; its x goes back to the latest.
"""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.lake_history import VersionRow
from aurora.state.explorer import ExplorerState
from aurora.state.history import HistoryState

H = HistoryState


def history_button() -> rx.Component:
    return theme.button(
        "History",
        icon_name="history",
        id="history-open",
        aria_expanded=H.open,
        disabled=ExplorerState.dataset_key == "",
        title="The dataset's versions; read it as it was",
        on_click=H.toggle,
    )


def as_of_pill() -> rx.Component:
    return rx.cond(
        ExplorerState.as_of_label != "",
        rx.el.span(
            theme.icon("history", 12),
            rx.el.span(ExplorerState.as_of_label, style=theme.PILL_TEXT),
            rx.el.button(
                theme.icon("x", 12),
                type="button",
                id="as-of-clear",
                aria_label="Back to the latest version",
                on_click=ExplorerState.clear_as_of,
                style=theme.BUTTON_GHOST_SMALL,
            ),
            id="as-of-pill",
            role="status",
            style=theme.PILL,
        ),
    )


def _version_row(v: rx.Var[VersionRow]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(v.version, style=theme.TD_NUM),
        rx.el.td(v.when, style=theme.TD),
        rx.el.td(v.operation, style=theme.TD),
        rx.el.td(v.rows, style=theme.TD_NUM),
        rx.el.td(v.user, style=theme.TD),
        rx.el.td(
            theme.button(
                "Read",
                icon_name="eye",
                kind="ghost",
                class_name="history-read",
                aria_label="Read version " + v.version.to_string(),
                on_click=H.read_version(v.version),
            ),
            style=theme.TD_RIGHT,
        ),
        class_name="history-version",
        data_version=v.version,
    )


def _versions() -> rx.Component:
    return forms.data_table(
        [
            forms.th("Version", numeric=True),
            forms.th("Time (UTC)"),
            forms.th("Operation"),
            forms.th("Rows", numeric=True),
            forms.th("By"),
            forms.th(""),
        ],
        rx.foreach(H.versions, _version_row),
        max_height="220px",
        id="history-versions",
    )


def _at_time() -> rx.Component:
    return forms.row(
        rx.el.label("As of a time (UTC)", html_for="as-of-time", style=theme.LABEL),
        rx.el.input(
            id="as-of-time",
            type="datetime-local",
            step="1",
            value=H.time_text,
            on_change=H.set_time_text,
            style=theme.AS_OF_INPUT,
        ),
        theme.button("Read", icon_name="clock", id="as-of-time-apply", on_click=H.read_at_time),
        gap="8px",
    )


def history_panel() -> rx.Component:
    return rx.cond(
        H.open,
        rx.el.section(
            forms.row(
                rx.el.strong("History"),
                rx.spacer(),
                theme.icon_button("x", "Close history", on_click=H.toggle),
            ),
            forms.alert(H.error, "history-error"),
            rx.cond(
                H.versioned,
                rx.fragment(_versions(), _at_time()),
                rx.el.div(
                    "This dataset has no versions: it is not a Delta table.",
                    id="history-none",
                    style=theme.MUTED,
                ),
            ),
            id="history-panel",
            aria_label="Dataset history",
            style=theme.CHART_PANEL,
        ),
    )
