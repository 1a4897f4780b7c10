"""The notifications menu of the navigation bar: a bell with the unread count as its text
(`#notifications`), opening the newest notifications; a click marks one read. The count is
asked again every minute while the tab is visible (`bell_poll`)."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.bell_poll import POLL_S, bell_poll
from aurora.state.notifications import NoteItem, NotificationState

N = NotificationState


def _item(n: rx.Var[NoteItem]) -> rx.Component:
    return rx.el.div(
        rx.el.strong(n.title),
        rx.cond(n.body != "", rx.el.div(n.body, style=theme.MUTED_CLAMP_2)),
        rx.el.div(
            rx.el.span(n.at, style=theme.MUTED_SMALL),
            rx.cond(n.link != "", rx.link("Open", href=n.link, style=theme.MUTED_SMALL)),
            style=theme.row("8px"),
        ),
        role="button",
        tab_index=0,
        class_name="notification-item",
        data_notification_id=n.id,
        data_unread=rx.cond(n.unread, "true", "false"),
        on_click=N.read(n.id),
        style=rx.cond(n.unread, theme.NOTIFY_ITEM_UNREAD, theme.NOTIFY_ITEM),
    )


def _panel() -> rx.Component:
    return rx.popover.content(
        rx.el.div(
            rx.el.div("Notifications", style=theme.LABEL),
            rx.spacer(),
            theme.button(
                "Mark all read", kind="ghost", id="notifications-read-all", on_click=N.read_all
            ),
            style=theme.row("8px"),
        ),
        rx.cond(
            N.items.length() > 0,  # type: ignore[attr-defined]
            rx.el.div(rx.foreach(N.items, _item), id="notifications-list", style=theme.NOTIFY_LIST),
            rx.el.div("Nothing yet.", id="notifications-empty", style=theme.MUTED),
        ),
        style=theme.NOTIFY_PANEL,
        align="end",
    )


def notifications_menu() -> rx.Component:
    return rx.fragment(bell_poll(seconds=POLL_S, on_tick=N.poll), _menu())


def _menu() -> rx.Component:
    return rx.popover.root(
        rx.popover.trigger(
            rx.el.button(
                theme.icon("bell", 16),
                rx.el.span(
                    N.unread,
                    style=rx.cond(N.unread > 0, theme.NOTIFY_COUNT_ON, theme.NOTIFY_COUNT),
                ),
                id="notifications",
                type="button",
                aria_label="Notifications: " + N.unread.to_string() + " unread",
                on_mount=N.count,
                style=theme.BUTTON_ON_NAVY,
            )
        ),
        _panel(),
        on_open_change=N.opened,
    )
