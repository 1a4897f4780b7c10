"""The admin pages' title row with links between them."""

from __future__ import annotations

import reflex as rx

from aurora import theme
from aurora.components.chrome import ADMIN_NAV


def admin_header(active: str, title: str) -> rx.Component:
    return rx.el.div(
        rx.el.h1(title, style=theme.H1),
        rx.spacer(),
        rx.el.nav(
            *[
                rx.link(
                    label,
                    href=href,
                    id=f"admin-tab-{key}",
                    aria_current="page" if key == active else None,
                    style=theme.tab_link(key == active),
                )
                for key, label, href in ADMIN_NAV
            ],
            aria_label="Administration",
            style=theme.row("2px", wrap=True, align=""),
        ),
        style=theme.row("10px", wrap=True),
    )
