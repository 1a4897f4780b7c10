"""The dashboard list: create, open, rename, duplicate, share, delete."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components import forms
from aurora.components.chrome import page_frame
from aurora.state.dashboards import DashboardItem, DashboardListState

_ROW_ACTIONS = {"display": "flex", "gap": "4px", "justify_content": "flex-end"}


def _owner_actions(d: rx.Var[DashboardItem]) -> rx.Component:
    return rx.fragment(
        theme.icon_button(
            "pencil",
            "Rename",
            class_name="dashboard-rename",
            on_click=DashboardListState.start_rename(d.id),
        ),
        theme.icon_button(
            "users",
            "Share with everyone, or stop sharing",
            class_name="dashboard-share",
            on_click=DashboardListState.toggle_shared(d.id),
        ),
        theme.icon_button(
            "trash-2",
            "Delete",
            class_name="dashboard-delete",
            on_click=DashboardListState.delete(d.id),
            style=theme.BUTTON_DANGER,
        ),
    )


def _name_cell(d: rx.Var[DashboardItem]) -> rx.Component:
    renaming = DashboardListState.rename_id == d.id
    return rx.cond(
        renaming,
        rx.el.div(
            forms.text_input(
                "dashboard-rename-name",
                DashboardListState.rename_name,
                DashboardListState.set_rename_name,
                width="240px",
            ),
            theme.button(
                "Rename",
                kind="primary",
                id="dashboard-rename-submit",
                on_click=DashboardListState.rename,
            ),
            theme.button("Cancel", on_click=DashboardListState.cancel_rename),
            style=theme.DASH_RENAME_ROW,
        ),
        rx.el.a(
            d.name,
            href="/dashboards/" + d.id,
            class_name="dashboard-name",
            style=theme.DASH_NAME_LINK,
        ),
    )


def _row(d: rx.Var[DashboardItem]) -> rx.Component:
    return rx.el.tr(
        rx.el.td(_name_cell(d), style=theme.TD),
        rx.el.td(d.tiles, style=theme.TD),
        rx.el.td(d.owner, style=theme.TD),
        rx.el.td(
            rx.cond(
                d.shared,
                rx.el.span("Shared", class_name="dashboard-shared-badge", style=theme.BADGE_BLUE),
                rx.el.span("Private", style=theme.BADGE),
            ),
            style=theme.TD,
        ),
        rx.el.td(d.updated, style=theme.TD_NOWRAP),
        rx.el.td(
            rx.el.div(
                theme.icon_button(
                    "copy",
                    "Duplicate",
                    class_name="dashboard-duplicate",
                    on_click=DashboardListState.duplicate(d.id),
                ),
                rx.cond(d.can_edit, _owner_actions(d)),
                style=_ROW_ACTIONS,
            ),
            style=theme.TD,
        ),
        class_name="dashboard-row",
        data_dashboard_id=d.id,
    )


def dashboards_page() -> rx.Component:
    return page_frame(
        "dashboards",
        rx.el.div(
            rx.el.h1("Dashboards", style=theme.H1),
            rx.spacer(),
            forms.text_input(
                "dashboard-new-name",
                DashboardListState.new_name,
                DashboardListState.set_new_name,
                placeholder="New dashboard name",
                width="240px",
            ),
            theme.button(
                "Create",
                icon_name="plus",
                kind="primary",
                id="dashboard-create",
                on_click=DashboardListState.create,
            ),
            style=theme.DASH_ROW,
        ),
        forms.alert(DashboardListState.error, "dashboard-list-error"),
        rx.cond(
            DashboardListState.notice != "",
            rx.el.div(
                DashboardListState.notice,
                id="dashboard-notice",
                role="status",
                style=theme.SUCCESS,
            ),
        ),
        rx.el.div(
            rx.el.table(
                rx.el.thead(
                    rx.el.tr(
                        forms.th("Dashboard"),
                        forms.th("Tiles"),
                        forms.th("Owner"),
                        forms.th("Sharing"),
                        forms.th("Updated"),
                        forms.th(""),
                    )
                ),
                rx.el.tbody(
                    rx.foreach(DashboardListState.dashboards, _row),
                    rx.cond(
                        DashboardListState.dashboards.length() == 0,
                        forms.empty_row("No dashboards yet. Name one and press Create.", 6),
                    ),
                ),
                style=theme.TABLE,
            ),
            id="dashboard-list",
            role="region",
            aria_label="Dashboards",
            style=theme.TABLE_WRAP,
        ),
        page_id="dashboards-page",
    )
