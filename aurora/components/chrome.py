"""The frame around the grid: top bar with the user menu, and the dataset picker."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.notifications_menu import notifications_menu
from aurora.state.auth import AuthState
from aurora.state.explorer import ExplorerState
from aurora.state.models import DatasetItem


def user_menu() -> rx.Component:
    return rx.menu.root(
        rx.menu.trigger(
            rx.el.button(
                theme.icon("circle-user", 16),
                rx.el.span(AuthState.user_name),
                theme.icon("chevron-down", 12),
                id="user-menu",
                type="button",
                aria_label=f"Signed in as {AuthState.user_name}",
                style=theme.BUTTON_ON_NAVY,
            )
        ),
        rx.menu.content(
            rx.menu.item(
                rx.hstack(theme.icon("log-out"), rx.text("Sign out"), spacing="2"),
                on_select=AuthState.logout,
                id="logout",
            ),
            size="1",
        ),
    )


NAV = (
    ("explore", "Explore", "/", "table-2"),
    ("reports", "Reports", "/reports", "bookmark"),
    ("dashboards", "Dashboards", "/dashboards", "layout-dashboard"),
    ("schedules", "Schedules", "/schedules", "calendar-clock"),
    ("alerts", "Alerts", "/alerts", "bell-ring"),
    ("pivot", "Pivot", "/pivot", "grid-3x3"),
)
ADMIN_NAV = (
    ("datasets", "Datasets", "/admin/datasets"),
    ("users", "Users", "/admin/users"),
    ("keys", "API keys", "/admin/keys"),
    ("audit", "Audit log", "/admin/audit"),
    ("webhooks", "Webhooks", "/admin/webhooks"),
)


def _nav_link(key: str, label: str, href: str, icon_name: str, active: str) -> rx.Component:
    on = key == active
    return rx.link(
        theme.icon(icon_name, 14),
        rx.el.span(label),
        href=href,
        id=f"nav-{key}",
        aria_current="page" if on else None,
        style=theme.nav_link(on),
    )


def _admin_menu(active: str) -> rx.Component:
    """Only rendered for admins: viewers never see the links (the API refuses them anyway)."""
    on = active.startswith("admin")
    return rx.cond(
        AuthState.is_admin,
        rx.menu.root(
            rx.menu.trigger(
                rx.el.button(
                    theme.icon("shield", 14),
                    rx.el.span("Admin"),
                    theme.icon("chevron-down", 12),
                    id="nav-admin",
                    type="button",
                    style=theme.nav_button(on),
                )
            ),
            rx.menu.content(
                *[
                    rx.menu.item(
                        label,
                        on_select=rx.redirect(href),
                        id=f"nav-admin-{key}",
                    )
                    for key, label, href in ADMIN_NAV
                ],
                size="1",
            ),
        ),
    )


def top_bar(active: str = "explore") -> rx.Component:
    return rx.hstack(
        rx.hstack(
            theme.icon("sparkles", 18),
            rx.text("Aurora", weight="bold", size="3"),
            spacing="2",
            align="center",
            style=theme.NO_SHRINK,
        ),
        rx.el.nav(
            *[_nav_link(k, label, href, ic, active) for k, label, href, ic in NAV],
            _admin_menu(active),
            aria_label="Main",
            style=theme.NAV,
        ),
        rx.cond(
            (ExplorerState.dataset_key != "") & (active == "explore"),
            rx.text(
                rx.cond(
                    ExplorerState.report_name != "",
                    ExplorerState.report_name,
                    rx.cond(ExplorerState.detached, "Unsaved", ExplorerState.dataset_label),
                ),
                id="current-title",
                style=theme.CURRENT_TITLE,
            ),
        ),
        rx.spacer(),
        notifications_menu(),
        user_menu(),
        style=theme.TOPBAR,
    )


def page_frame(active: str, *children: rx.Component, page_id: str = "") -> rx.Component:
    """A full-window page under the top bar; its body scrolls, never the window."""
    return rx.el.div(
        top_bar(active),
        rx.el.main(*children, id=page_id or None, style=theme.PAGE_BODY),
        style=theme.PAGE,
    )


def _dataset_option(d: rx.Var[DatasetItem]) -> rx.Component:
    chosen = ExplorerState.dataset_key == d.key
    return rx.el.button(
        rx.el.div(d.label, style=theme.DATASET_OPTION_LABEL),
        rx.cond(
            d.description != "",
            rx.el.div(d.description, style=theme.DATASET_OPTION_NOTE),
        ),
        type="button",
        role="option",
        aria_selected=chosen,
        title=d.key,
        on_click=ExplorerState.pick_dataset(d.key),
        style=theme.dataset_option(chosen),
    )


def dataset_picker() -> rx.Component:
    return rx.el.aside(
        rx.el.div(
            rx.el.div("Datasets", style=theme.LABEL),
            rx.el.input(
                id="dataset-search",
                type="search",
                placeholder="Search datasets",
                aria_label="Search datasets",
                value=ExplorerState.dataset_search,
                on_change=ExplorerState.set_dataset_search,
                style=theme.PILL_INPUT_FULL,
            ),
            style=theme.DATASET_SEARCH,
        ),
        rx.el.div(
            rx.foreach(ExplorerState.filtered_datasets, _dataset_option),
            id="dataset-picker",
            role="listbox",
            aria_label="Datasets",
            style=theme.DATASET_LIST,
        ),
        style=theme.SIDEBAR,
    )
