"""The dashboard's Export menu: "Excel workbook (.xlsx)" and "PDF", made as the signed-in
user with the filters on screen (aurora.state.dashboard_export), the job's progress, then a
download link; "Schedule…" opens the schedule editor for this dashboard. Ids in docs/ui.md."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.react_router.dom import ReactRouterLink

from aurora import theme
from aurora.state.dashboard_export import DashboardExportState as S
from aurora.state.dashboard_view import DashboardState

MENU = {
    "position": "absolute",
    "right": "0",
    "top": "36px",
    "z_index": "20",
    "background": "white",
    "border": f"1px solid {theme.SLATE_200}",
    "border_radius": "8px",
    "box_shadow": "0 4px 16px rgba(15, 23, 42, 0.12)",
    "padding": "4px",
    "min_width": "220px",
    **theme.column("2px"),
}


def _item(label: str, item_id: str, fmt: str) -> rx.Component:
    return theme.button(label, id=item_id, kind="ghost", on_click=S.start(fmt))


def _menu() -> rx.Component:
    return rx.el.div(
        _item("Excel workbook (.xlsx)", "dashboard-export-xlsx", "xlsx"),
        _item("PDF", "dashboard-export-pdf", "pdf"),
        rx.el.a(
            "Schedule…",
            id="dashboard-export-schedule",
            href="/schedules?dashboard=" + DashboardState.dashboard_id,
            style=theme.EXPORT_MENU_NOTE,
        ),
        id="dashboard-export-menu",
        role="menu",
        style=MENU,
    )


def _status() -> rx.Component:
    return rx.fragment(
        rx.cond(
            S.progress != "",
            rx.el.span(S.progress, id="dashboard-export-status", role="status", style=theme.MUTED),
        ),
        rx.cond(
            S.download_href != "",
            # A document request, not client-side routing: the file comes from the server
            ReactRouterLink.create(
                theme.icon("download"),
                "Download",
                id="dashboard-export-download",
                href=S.download_href,
                reload_document=True,
                download="",
                style=theme.LINK_BUTTON,
            ),
        ),
        rx.cond(
            S.error != "",
            rx.el.span(S.error, id="dashboard-export-error", role="alert", style=theme.FIELD_ERROR),
        ),
    )


def dashboard_export() -> rx.Component:
    """The button and its menu, then what the last export is doing."""
    return rx.el.div(
        _status(),
        rx.el.div(
            theme.button(
                "Export",
                icon_name="download",
                id="dashboard-export",
                on_click=S.toggle_menu,
                disabled=S.running,
            ),
            rx.cond(S.menu_open, _menu()),
            style=theme.ANCHOR,
        ),
        style=theme.row("8px"),
    )
